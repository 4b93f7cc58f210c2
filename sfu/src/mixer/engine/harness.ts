// The mixer engine under test, for real: Debian's python with GStreamer, fed RTP by
// ffmpeg senders as mediasoup's transports would, driven over MixerChannel. Shared by
// the engine's test files; `cleanUp` after each test ends what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { freeRtpPorts } from '../../media/plainTransports.js';
import { MixerChannel, type MixerEvent } from '../MixerChannel.js';

export const ENGINE = fileURLToPath(new URL('./mixer.py', import.meta.url));
export const running: ChildProcess[] = [];
export const sockets: Socket[] = [];

export function cleanUp(): void {
  for (const p of running.splice(0)) p.kill('SIGKILL');
  for (const s of sockets.splice(0)) s.close();
}

/** A UDP port that takes the mixer's output (and counts it). */
export async function sink(): Promise<{ port: number; packets: () => number }> {
  const port = await freeRtpPorts();
  const s = createSocket('udp4');
  let n = 0;
  s.on('message', () => n++);
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r));
  sockets.push(s);
  return { port, packets: () => n };
}

/** A live camera as ffmpeg makes one: a solid colour, H.264 (SPS/PPS in band) or VP8, as RTP. */
export function sender(colour: string, codec: 'H264' | 'VP8', port: number, pt: number, fps = 30, gop = 30): ChildProcess {
  const enc = codec === 'H264'
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', String(gop), '-x264-params', 'repeat-headers=1']
    : ['-c:v', 'libvpx', '-deadline', 'realtime', '-g', String(gop), '-b:v', '300k'];
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `color=${colour}:s=320x180:r=${fps}`,
    ...enc, '-payload_type', String(pt), '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`], { stdio: 'ignore' });
  running.push(p);
  return p;
}

/** A live microphone as ffmpeg makes one: a steady 440 Hz tone, Opus as RTP (20 ms a packet). */
export function tone(port: number): ChildProcess {
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-ac', '2',
    '-c:a', 'libopus', '-payload_type', '100', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
  running.push(p);
  return p;
}

export type Mixer = {
  channel: MixerChannel;
  /** the next event like this, from now */
  next: (pred: (e: MixerEvent) => boolean) => Promise<MixerEvent>;
  /** an event like this, already received or still to come */
  seen: (pred: (e: MixerEvent) => boolean) => Promise<MixerEvent>;
  out: Awaited<ReturnType<typeof sink>>;
  /** where its preview goes (with `preview`) */
  preview?: Awaited<ReturnType<typeof sink>>;
};

/** `preview`: it composes a preview too, at half the program's size; `soundTo`: where its program sound goes (a sink of its own by default). */
export async function startMixer({ preview = false, soundTo }: { preview?: boolean; soundTo?: number } = {}): Promise<Mixer> {
  const out = await sink();
  const audio = soundTo ?? (await sink()).port;
  const pvw = preview ? await sink() : undefined;
  const config = {
    width: 320, height: 180, fps: 30, videoKbps: 1000, out: { videoPort: out.port, audioPort: audio, videoPt: 96, videoSsrc: 1, audioPt: 100, audioSsrc: 2 },
    ...(pvw ? { preview: { width: 160, height: 90, fps: 15, videoKbps: 300, port: pvw.port, pt: 96, ssrc: 3 } } : {}),
  };
  const p = spawn('/usr/bin/python3', [ENGINE, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  running.push(p);
  const channel = new MixerChannel(p.stdin!, p.stdout!);
  const events: MixerEvent[] = [];
  const waiters: { pred: (e: MixerEvent) => boolean; resolve: (e: MixerEvent) => void }[] = [];
  channel.on('event', (e) => {
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  const next = (pred: (e: MixerEvent) => boolean) => new Promise<MixerEvent>((resolve) => waiters.push({ pred, resolve }));
  const seen = (pred: (e: MixerEvent) => boolean) => {
    const past = events.find(pred);
    return past ? Promise.resolve(past) : next(pred);
  };
  await next((e) => e.ev === 'ready');
  return { channel, next, seen, out, preview: pvw };
}

export const stats = (e: MixerEvent): e is Extract<MixerEvent, { ev: 'stats' }> => e.ev === 'stats';
