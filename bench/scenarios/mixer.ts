// 10. The program mixer on its own (sfu/src/mixer/engine/mixer.py), fed 720p30 H.264
// cameras as RTP exactly as mediasoup's transports feed it, next to today's other way
// in the same run: the program spliced from one camera and encoded.
//   - a cut inside the mixer: the command sent → the first composed frame showing the
//     new camera (its centre pixel, read as the frame leaves the compositor);
//   - a camera back: the on-air camera silent for 1.5 s, then back (a new picture on the
//     same input, relayed as mediasoup relays it: one stream across the silence), from
//     its first packet (a keyframe) to the first composed frame that shows it;
//   - the slate in the compositor (a still picture, 10 frames a second): how far the
//     program's frames are behind the clock without it, with it as a plain input, and
//     with it as a still (repeated at the program's rate), in the same run; and with a
//     camera gone silent in it (its last picture repeated meanwhile);
//   - the CPU of the program path with 1, 2 and 4 cameras decoded: the mixer plus the
//     program encoder (Régie's own settings) encoding its output, against the program
//     encoder alone on one camera's RTP (the splice costs nothing: packets are forwarded).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encoderArgs, programSdp } from '../../sfu/src/encoder/ffmpegArgs.js';
import { freeRtpPorts } from '../../sfu/src/media/plainTransports.js';
import { MixerChannel, type MixerEvent } from '../../sfu/src/mixer/MixerChannel.js';
import { previewSize } from '../../sfu/src/mixer/output.js';
import { DEFAULT_FORMAT } from '../../sfu/src/outputFormat.js';
import type { BenchContext } from '../context.js';
import { measureGroups, type GroupUse } from '../lib/processes.js';
import { RtpRelay } from '../lib/RtpRelay.js';
import { fitLine, summarize, type Summary } from '../lib/stats.js';

export type MixerCpuSample = { path: string; cameras: number; mixer: GroupUse; encoder: GroupUse; totalPercentOfACore: number; framesOut?: number };
export type MixerResult = {
  format: string;
  /** command → first composed frame of the new camera, ms */
  cutAtMixer: Summary;
  /** a camera back after a silence: its first packet (a keyframe) → its first composed frame, ms */
  cameraBack: Summary;
  cameraBackSamples: number[];
  /** how often the mixer asked for a keyframe while a camera came back (answered by a new one) */
  cameraBackKeyframesAsked: number;
  frameMs: number;
  /** the program's frames behind the clock (each report's worst, ms): no slate, the slate as a plain input, the slate as a still, a fifth camera gone silent */
  slateBehind?: { without: Summary; plain: Summary; still: Summary; silentCamera?: Summary };
  cpu: MixerCpuSample[];
  /** the fitted cost of one more decoded 720p30 camera, % of one core */
  perDecodedCamera?: number;
};

const ENGINE = fileURLToPath(new URL('../../sfu/src/mixer/engine/mixer.py', import.meta.url));
const COLOURS = ['red', 'blue', 'green', 'yellow'] as const;

/**
 * A 720p30 camera with a big block of its colour in the middle (what a cut is read by)
 * and moving test content around it. MPEG-TS, so that every keyframe carries its
 * parameter sets in the stream, as a browser sends them (from Matroska, ffmpeg's RTP
 * sender left them out of the first: a camera started or back was decodable only at
 * its second keyframe).
 */
function cameraFile(colour: string): string {
  const dir = join(tmpdir(), 'regie-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `mixer-camera-${colour}-720p30-v2.ts`);
  if (!existsSync(file)) {
    const part = `${file}.${process.pid}.ts`;
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi',
      '-i', `testsrc2=size=1280x720:rate=30,drawbox=x=440:y=200:w=400:h=320:color=${colour}:t=fill`, '-t', '10',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-g', '30', '-b:v', '2500k', '-x264-params', 'repeat-headers=1', '-f', 'mpegts', part]).status === 0;
    if (!made) throw new Error(`could not make the ${colour} bench camera with ffmpeg`);
    renameSync(part, file);
  }
  return file;
}

export async function mixer(ctx: BenchContext): Promise<MixerResult> {
  const f = DEFAULT_FORMAT;
  const kids: ChildProcess[] = [];
  const start = (cmd: string, args: string[], stdio: 'pipe' | 'ignore' = 'ignore') => {
    const p = spawn(cmd, args, { stdio: [stdio === 'pipe' ? 'pipe' : 'ignore', stdio === 'pipe' ? 'pipe' : 'ignore', 'ignore'] });
    kids.push(p);
    return p;
  };
  const windowMs = ctx.quick ? 3000 : 15000;
  const relays: RtpRelay[] = [];
  const sockets: Socket[] = [];
  const senders: ChildProcess[] = [];
  try {
    const files = COLOURS.map(cameraFile);
    const ports = await Promise.all(COLOURS.map(() => freeRtpPorts()));
    const send = (i: number, port = ports[i]!) => start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', files[i]!,
      '-an', '-c', 'copy', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`]);
    const encode = (videoPort: number, audioPort: number) => {
      const rtp = (pt: number, mime: string, clockRate: number, channels?: number) => ({ codecs: [{ mimeType: mime, payloadType: pt, clockRate, ...(channels ? { channels } : {}), parameters: mime.includes('H264') ? { 'packetization-mode': 1 } : {} }], encodings: [] });
      const p = start('ffmpeg', encoderArgs(f, 0), 'pipe');
      p.stdin!.end(programSdp({ video: { port: videoPort, rtp: rtp(96, 'video/H264', 90000) as never }, audio: { port: audioPort, rtp: rtp(100, 'audio/opus', 48000, 2) as never } }));
      // Its first bytes out: past its probe of the stream, encoding as it will.
      const encoding = new Promise<void>((resolve) => p.stdout!.once('data', () => resolve()));
      p.stdout!.resume(); // (the encoded program, thrown away)
      return Object.assign(p, { encoding });
    };
    const cpu: MixerCpuSample[] = [];

    // Today: one camera's RTP spliced (forwarded as it is) into the program encoder.
    ctx.progress('mixer: today\'s path — one camera spliced into the program encoder');
    {
      const encPorts = { v: await freeRtpPorts(), a: await freeRtpPorts() };
      const enc = encode(encPorts.v, encPorts.a);
      await new Promise((r) => setTimeout(r, 300));
      const cam = send(0, encPorts.v);
      const tone = start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-ac', '2', '-c:a', 'libopus', '-b:a', '64k', '-payload_type', '100', '-f', 'rtp', `rtp://127.0.0.1:${encPorts.a}?pkt_size=1200`]);
      await enc.encoding;
      const { use } = await measureGroups({ encoder: () => [enc.pid!], mixer: () => [] }, windowMs);
      cpu.push({ path: 'splice + encode', cameras: 1, mixer: use.mixer, encoder: use.encoder, totalPercentOfACore: use.encoder.cpuPercentOfACore });
      for (const p of [cam, tone, enc]) p.kill('SIGKILL');
    }

    // The mixer: its output encoded by the same program encoder. The on-air camera (red)
    // comes through a relay, so that it can stop and come back as one stream.
    const relay = await RtpRelay.open(ports[0]!);
    relays.push(relay);
    const out = { v: await freeRtpPorts(), a: await freeRtpPorts() };
    const enc = encode(out.v, out.a);
    // Its preview too, as the server runs it (the shot in preview composed for the
    // director's monitor): sent to a socket that throws it away.
    const previewSink = createSocket('udp4');
    sockets.push(previewSink);
    const previewPort = await freeRtpPorts();
    await new Promise<void>((r) => previewSink.bind(previewPort, '127.0.0.1', r));
    const config = {
      width: f.width, height: f.height, fps: f.fps, videoKbps: f.videoBitrateKbps * 2, out: { videoPort: out.v, audioPort: out.a, videoPt: 96, videoSsrc: 1, audioPt: 100, audioSsrc: 2 },
      preview: { ...previewSize(f), fps: 15, videoKbps: 500, port: previewPort, pt: 96, ssrc: 3 },
    };
    const proc = start('/usr/bin/python3', [ENGINE, JSON.stringify(config)], 'pipe');
    const channel = new MixerChannel(proc.stdin!, proc.stdout!);
    const events: MixerEvent[] = [];
    channel.on('event', (e) => events.push(e));
    const until = async (pred: () => boolean, what: string, ms = 20000) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > ms) throw new Error(`mixer bench: ${what} did not happen within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20)); // (a poll; the wait ends on the event)
      }
    };
    await until(() => events.some((e) => e.ev === 'ready'), 'the mixer starting');
    const full = (input: string, z: number) => ({ input, x: 0, y: 0, w: f.width, h: f.height, alpha: 1, z });
    for (const [n, count] of [1, 2, 4].entries()) {
      for (let i = n === 0 ? 0 : [1, 2, 4][n - 1]!; i < count; i++) {
        await channel.send({ cmd: 'input.add', input: COLOURS[i]!, video: { port: ports[i]!, codec: 'H264', pt: 96 } });
        senders[i] = send(i, i === 0 ? relay.port : ports[i]);
        await until(() => events.some((e) => e.ev === 'input-frames' && e.input === COLOURS[i]), `${COLOURS[i]} decoded`);
      }
      if (n === 0) await channel.send({ cmd: 'scene', layers: [full('red', 1)], gains: {}, ms: 0 });
      // In preview: the next camera (the one on air while it is the only one).
      await channel.send({ cmd: 'preview', layers: [full(COLOURS[Math.min(1, count - 1)]!, 1)], graphics: {} });
      ctx.progress(`mixer: ${count} camera(s) decoded, one on air`);
      // Measured from a report that shows every camera decoding, the encoder encoding.
      const from = events.length;
      await until(() => events.slice(from).some((e) => e.ev === 'stats' && Object.keys(e.inputs).length === count
        && Object.values(e.inputs).every((i) => i.sinceMs !== null && i.sinceMs < 200)), `${count} camera(s) decoding`);
      await enc.encoding;
      const before = events.filter((e) => e.ev === 'stats').at(-1);
      const { use } = await measureGroups({ encoder: () => [enc.pid!], mixer: () => [proc.pid!] }, windowMs);
      const after = events.filter((e) => e.ev === 'stats').at(-1);
      const framesOut = before?.ev === 'stats' && after?.ev === 'stats' ? Math.round(((after.framesOut - before.framesOut) / windowMs) * 1000 * 10) / 10 : undefined;
      cpu.push({ path: 'mixer + encode', cameras: count, mixer: use.mixer, encoder: use.encoder, totalPercentOfACore: Math.round((use.mixer.cpuPercentOfACore + use.encoder.cpuPercentOfACore) * 10) / 10, framesOut });
    }

    // Cuts: red ↔ blue, the centre pixel tells which is composed (red: V high; blue: U high).
    await channel.send({ cmd: 'measure', on: true });
    const cuts: number[] = [];
    const n = ctx.quick ? 4 : 30;
    for (let i = 0; i < n; i++) {
      const to = i % 2 === 0 ? 'blue' : 'red';
      const shows = (e: MixerEvent) => e.ev === 'centre' && (to === 'blue' ? e.u > 180 && e.v < 140 : e.v > 200 && e.u < 120);
      const from = events.length;
      const sentAt = Date.now(); // (the wall clock, as the engine's time.time())
      await channel.send({ cmd: 'scene', layers: [full(to, 10 + i)], gains: {}, ms: 0 });
      await until(() => events.slice(from).some(shows), `the cut to ${to}`, 5000);
      const first = events.slice(from).find(shows) as Extract<MixerEvent, { ev: 'centre' }>;
      cuts.push(first.t * 1000 - sentAt);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 200)); // (cuts at random phases of the frame clock)
    }

    // A camera back: red on air stops; once the mixer has had nothing from it for 1.5 s
    // (its last picture stays on the program), green's pictures come on red's
    // input — a different picture, so the first composed frame showing it is known.
    const isRed = (e: MixerEvent) => e.ev === 'centre' && e.v > 200 && e.u < 120;
    const isGreen = (e: MixerEvent) => e.ev === 'centre' && e.u < 110 && e.v < 100; // (ffmpeg's green: Y 68, U 97, V 84)
    const back: number[] = [];
    let keyframesAsked = 0;
    const backs = ctx.quick ? 2 : 10;
    for (let i = 0; i < backs; i++) {
      ctx.progress(`mixer: a camera back after a silence (${i + 1}/${backs})`);
      await channel.send({ cmd: 'scene', layers: [full('red', 100 + i)], gains: {}, ms: 0 });
      let from = events.length;
      await until(() => events.slice(from).some(isRed), 'red on air', 5000);
      senders[0]!.kill('SIGKILL');
      from = events.length;
      // (1.5 s of silence, as the mixer reports it)
      await until(() => events.slice(from).some((e) => e.ev === 'stats' && (e.inputs.red?.sinceMs ?? 0) > 1500), 'red silent for 1.5 s', 5000);
      from = events.length;
      const starts = relay.starts.length;
      let greenSender = send(2, relay.port);
      // The mixer asks for a keyframe when it cannot decode what came (a packet of the
      // first one lost): answered as a camera answers the server's request, with a new
      // keyframe at once (the sender starts again, from its file's first keyframe).
      // (Once per sender that sent: a request while the new one starts is already being answered.)
      let answeredWith = relay.starts.length;
      const answer = (e: MixerEvent) => {
        if (e.ev !== 'keyframe-wanted' || e.input !== 'red' || relay.starts.length === answeredWith) return;
        answeredWith = relay.starts.length;
        keyframesAsked++;
        greenSender.kill('SIGKILL');
        greenSender = send(2, relay.port);
      };
      channel.on('event', answer);
      try {
        await until(() => relay.starts.length > starts && events.slice(from).some(isGreen), 'the camera back on the program', 5000);
      } finally {
        channel.off('event', answer);
      }
      const first = events.slice(from).find(isGreen) as Extract<MixerEvent, { ev: 'centre' }>;
      back.push(Math.round(first.t * 1000 - relay.starts[starts]!));
      greenSender.kill('SIGKILL');
      senders[0] = send(0, relay.port);
    }
    await channel.send({ cmd: 'measure', on: false });

    // The slate, as Slate.ts sends it (a still picture, 10 frames a second), in the
    // compositor as it always is, on air or not: as a plain input a live compositor
    // waits for it before each frame; as a still the mixer repeats it.
    const behindOf = async (what: string) => {
      ctx.progress(`mixer: the program's frames behind the clock, ${what}`);
      const from = events.length;
      await new Promise((r) => setTimeout(r, ctx.quick ? 3000 : 10000));
      return summarize(events.slice(from).flatMap((e) => (e.ev === 'stats' && e.behindMs !== undefined ? [e.behindMs] : [])));
    };
    // One more input: the slate (a plain input or a still), or a camera that goes silent
    // (a phone that locked its screen: the mixer repeats its last picture meanwhile).
    const withInput = async (input: 'slate-plain' | 'slate-still' | 'silent-camera', what: string) => {
      const port = await freeRtpPorts();
      await channel.send({ cmd: 'input.add', input, video: { port, codec: 'H264', pt: 96, ...(input === 'slate-still' ? { still: true } : {}) } });
      const fps = input === 'silent-camera' ? f.fps : 10;
      const sender = start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `color=gray:s=${f.width}x${f.height}:r=${fps}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-profile:v', 'baseline', '-g', '2', '-x264-params', 'repeat-headers=1',
        '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`]);
      await until(() => events.some((e) => e.ev === 'input-frames' && e.input === input), `${input} decoded`);
      if (input === 'silent-camera') {
        sender.kill('SIGKILL');
        const from = events.length;
        await until(() => events.slice(from).some((e) => e.ev === 'stats' && (e.inputs[input]?.sinceMs ?? 0) > 500), 'the camera silent');
      }
      const behind = await behindOf(what);
      await channel.send({ cmd: 'input.remove', input });
      sender.kill('SIGKILL');
      return behind;
    };
    // (from a report that shows the on-air camera decoding again after its last return:
    // a silent input makes the compositor wait as long as the slate did)
    const since = events.length;
    await until(() => events.slice(since).some((e) => e.ev === 'stats' && (e.inputs.red?.sinceMs ?? Infinity) < 200), 'red decoding again');
    const without = await behindOf('no slate in it');
    const slateBehind = {
      without,
      plain: await withInput('slate-plain', 'the slate in it as a plain input'),
      still: await withInput('slate-still', 'the slate in it as a still'),
      silentCamera: await withInput('silent-camera', 'a silent camera in it'),
    };

    const points = cpu.filter((c) => c.path === 'mixer + encode').map((c) => ({ x: c.cameras, y: c.mixer.cpuPercentOfACore }));
    const fit = fitLine(points);
    return {
      format: `${f.width}x${f.height}@${f.fps}, cameras H.264 720p30 2.5 Mbit/s`,
      cutAtMixer: summarize(cuts),
      cameraBack: summarize(back),
      cameraBackSamples: back,
      cameraBackKeyframesAsked: keyframesAsked,
      frameMs: 1000 / f.fps,
      slateBehind,
      cpu,
      ...(fit ? { perDecodedCamera: Math.round(fit.slope * 10) / 10 } : {}),
    };
  } finally {
    for (const k of kids) k.kill('SIGKILL');
    for (const r of relays) r.close();
    for (const sock of sockets) sock.close();
  }
}
