// The one encode of the show: ffmpeg takes the program (RTP from the switcher's
// producers) and makes the output format every destination wants — fixed size and
// frame rate, CBR H.264 with a fixed keyframe interval, AAC 48 kHz stereo — as an
// MPEG-TS stream on its stdout. Destinations remux that; nobody encodes twice.
// Supervised: if ffmpeg dies it starts again, with timestamps that carry on, so the
// destinations' sessions never notice more than a short gap.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from '../log.js';
import { freeRtpPorts, plainConsumerCapabilities, plainTransportOut } from '../media/plainTransports.js';
import { Supervised, type Run } from '../process/Supervised.js';
import type { OutputFormat } from '../outputFormat.js';
import { encoderArgs, programSdp } from './ffmpegArgs.js';

type EncoderEvents = {
  /** A chunk of the encoded program (MPEG-TS). */
  data: [chunk: Buffer];
  /** The encoder (re)started or stopped. */
  state: [running: boolean];
};

/** ffmpeg's words for H.264 it received but cannot decode (no keyframe, no SPS/PPS). */
const UNDECODABLE = /no frame!|decode_slice_header error|non-existing PPS|Invalid data found when processing input|missing picture/;

export class ProgramEncoder extends EventEmitter<EncoderEvents> {
  readonly #format: OutputFormat;
  readonly #log: Logger;
  readonly #program: () => Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }>;
  readonly #requestKeyFrame: () => void;
  readonly #supervised: Supervised;
  #epoch = 0; // when the first encode started: later ones continue its timeline
  #offset = 0; // where the running encode's timeline starts, s

  constructor(opts: {
    format: OutputFormat;
    program: () => Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }>;
    requestKeyFrame: () => void;
    log: Logger;
  }) {
    super();
    this.#format = opts.format;
    this.#program = opts.program;
    this.#requestKeyFrame = opts.requestKeyFrame;
    this.#log = opts.log.child({ module: 'encoder' });
    this.#supervised = new Supervised({
      name: 'program encoder', log: this.#log, run: (run) => this.#run(run),
      backoff: { firstMs: 200, maxMs: 5000 },
      // Supervised by what it produces, not by its pid: an encoder that hangs (no RTP
      // parameters found, a stuck input) is restarted like one that died.
      liveness: { firstMs: 10_000, silentMs: 5000, what: 'encoded output' },
    });
    this.#supervised.on('up', (pid) => {
      this.#log.info({ pid, offset: this.#offset }, 'program encoder running');
      this.emit('state', true);
    });
    this.#supervised.on('down', () => this.emit('state', false));
  }

  get running(): boolean {
    return this.#supervised.up;
  }

  get pid(): number | undefined {
    return this.#supervised.pid;
  }

  /** Starts encoding (nothing if it already is); resolves once the encoder is started, or is being started again. */
  start(): Promise<void> {
    return this.#supervised.start();
  }

  async #run(run: Run): Promise<void> {
    const { video, audio, router } = await this.#program();
    const ports = { video: await freeRtpPorts(), audio: await freeRtpPorts() };
    const consumers: Record<'video' | 'audio', types.Consumer> = {} as never;
    for (const [kind, producer] of [['video', video], ['audio', audio]] as const) {
      if (!run.current) return; // stopped or replaced while starting: nothing left running
      const t = await plainTransportOut(router, run, ports[kind]);
      consumers[kind] = await t.consume({ producerId: producer.id, rtpCapabilities: plainConsumerCapabilities(router), paused: true });
    }
    if (!run.current) return;
    if (this.#epoch === 0) this.#epoch = Date.now();
    const offset = (Date.now() - this.#epoch) / 1000;
    this.#offset = offset;
    const sdp = programSdp({ video: { port: ports.video, rtp: consumers.video.rtpParameters }, audio: { port: ports.audio, rtp: consumers.audio.rtpParameters } });
    const ffmpeg = run.spawn('ffmpeg', encoderArgs(this.#format, offset), { stdio: ['pipe', 'pipe', 'pipe'] });
    ffmpeg.process.stdin!.end(sdp);
    // A keyframe lost on the way in (a burst dropped on a busy machine) leaves the decoder
    // with slices it cannot use, and browsers send the next keyframe only when asked:
    // ask, at once (at most twice a second), instead of waiting for the watchdog.
    let askedAt = 0;
    const askKeyFrame = () => {
      if (Date.now() - askedAt < 500) return;
      askedAt = Date.now();
      this.#requestKeyFrame();
    };
    ffmpeg.on('stderr', (text) => { if (UNDECODABLE.test(text)) askKeyFrame(); });
    // Nothing out yet, or stuck for a second: a keyframe restarts the decode.
    run.every(1000, () => { if (run.silentForMs() > 1000) askKeyFrame(); });
    ffmpeg.process.stdout!.on('data', (chunk: Buffer) => {
      if (!run.current) return; // the last words of an encoder already replaced
      run.alive();
      this.emit('data', chunk);
    });
    this.#log.info({ pid: ffmpeg.pid, offset }, 'program encoder started');
    // ffmpeg listens now; let the program flow and start it on a keyframe.
    await new Promise((r) => setTimeout(r, 300));
    if (!run.current) return;
    for (const c of Object.values(consumers)) await c.resume();
    this.#requestKeyFrame();
  }

  stop(): void {
    this.#supervised.stop();
  }
}
