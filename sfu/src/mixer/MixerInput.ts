// One source brought into a mixer: per kind (video, audio), a plain transport that sends
// its RTP to a port of the mixer's and a consumer on it, paused until the mixer listens
// (input.add), then resumed with a keyframe asked for, so the mixer's first picture of
// it comes at once.
import type { types } from 'mediasoup';
import { freeRtpPorts, plainConsumerCapabilities, plainTransportOut } from '../media/plainTransports.js';
import type { Run } from '../process/Supervised.js';
import type { Logger } from '../log.js';
import type { MixerChannel, MixerCommand, MixerEvent } from './MixerChannel.js';

export type MixerInput = {
  producerIds: string[];
  consumers: types.Consumer[];
  transports: types.PlainTransport[];
  /** when the mixer last decoded a picture of it (0: never) */
  lastFrameAt: number;
  /** still being made */
  adding: boolean;
};

/**
 * What of a source the mixer takes in: not a still's sound (the slate's, silence). It
 * reached the mixer in bursts, and the audio mixer waited for it before every buffer of
 * the program's sound, up to its inputs' latency, and the program's picture with it (see
 * JITTER_MS in engine/mixer.py). The program's sound is silence without it.
 */
export function mixedProducers({ video, audio }: Partial<Record<'video' | 'audio', types.Producer>>): types.Producer[] {
  const still = Boolean(video?.appData.still);
  return [video, still ? undefined : audio].filter((p): p is types.Producer => p !== undefined && !p.closed);
}

export function newInput(producers: types.Producer[]): MixerInput {
  return { producerIds: producers.map((p) => p.id), consumers: [], transports: [], lastFrameAt: 0, adding: true };
}

/**
 * Makes the input's transports and consumers and tells the mixer where they send.
 * `wanted` is asked before the mixer is told (false: the input was given up meanwhile,
 * and nothing is sent); `producerClosed` is called when one of its producers closes.
 * Throws with why (a port, the mixer's refusal); the caller closes the input then.
 */
export async function openInput(input: MixerInput, id: string, producers: types.Producer[],
  to: { router: types.Router; run: Run; channel: MixerChannel }, wanted: () => boolean, producerClosed: () => void): Promise<{ added: boolean; command: Extract<MixerCommand, { cmd: 'input.add' }> }> {
  const command: Extract<MixerCommand, { cmd: 'input.add' }> = { cmd: 'input.add', input: id };
  for (const producer of producers) {
    const port = await freeRtpPorts();
    const t = await plainTransportOut(to.router, to.run, port, { owned: false });
    input.transports.push(t);
    const c = await t.consume({
      producerId: producer.id, rtpCapabilities: plainConsumerCapabilities(to.router), paused: true,
      ...(producer.kind === 'video' ? { preferredLayers: { spatialLayer: 2, temporalLayer: 2 } } : {}),
    });
    input.consumers.push(c);
    c.on('producerclose', producerClosed);
    const codec = c.rtpParameters.codecs[0]!;
    if (producer.kind === 'video') {
      command.video = { port, codec: codec.mimeType.split('/')[1]!.toUpperCase(), pt: codec.payloadType, ...(producer.appData.still ? { still: true } : {}) };
    } else command.audio = { port, pt: codec.payloadType };
  }
  if (!wanted()) return { added: false, command };
  await to.channel.send(command);
  for (const c of input.consumers) await c.resume();
  // (Asked for only now: asked for while its consumers were paused, the keyframe was
  // lost, and this request came within the 300 ms in which a camera ignores another;
  // mediasoup asks again only a second later.)
  for (const c of input.consumers) if (c.kind === 'video') await c.requestKeyFrame();
  return { added: true, command };
}

export function closeInput(input: MixerInput): void {
  for (const t of input.transports) t.close();
}

/**
 * What a mixer's report says of its inputs (when each last had a picture); a source whose
 * pictures stopped for a moment is logged, and a program that falls behind the clock
 * (once as it does: `run.behind` remembers it until it is back in time).
 */
export function readReport(run: { inputs: Map<string, MixerInput>; behind?: boolean }, report: Extract<MixerEvent, { ev: 'stats' }>, log: Logger): void {
  // (the engine then drops frames to catch up: see TOO_FAR_BEHIND in engine/mixer.py)
  const behind = (report.behindMs ?? 0) > 300;
  if (behind && !run.behind) log.warn({ behindMs: report.behindMs }, 'the program\'s frames fell behind the clock (a starved machine); the mixer skips frames to catch up');
  run.behind = behind;
  const inputs = run.inputs;
  for (const [id, st] of Object.entries(report.inputs)) {
    const input = inputs.get(id);
    if (input && st.sinceMs !== null) input.lastFrameAt = Math.max(input.lastFrameAt, Date.now() - st.sinceMs);
    // A source whose pictures stopped for a moment (its network, its phone, this machine's CPU).
    if (st.maxGapMs >= 300) log.info({ source: id, gapMs: st.maxGapMs }, 'the mixer had no picture from a source for a moment');
  }
}
