// The mixer engine on its own, for real: Debian's python with GStreamer, fed RTP by
// ffmpeg senders as mediasoup's transports would, driven over MixerChannel. It keeps
// composing when its inputs die, it decodes H.264 and VP8, and a bad command is
// answered with why while the program goes on.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freeRtpPorts } from '../../media/plainTransports.js';
import { MixerChannel, type MixerEvent } from '../MixerChannel.js';

const ENGINE = fileURLToPath(new URL('./mixer.py', import.meta.url));
const running: ChildProcess[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGKILL');
  for (const s of sockets.splice(0)) s.close();
});

/** A UDP port that takes the mixer's output (and counts it). */
async function sink(): Promise<{ port: number; packets: () => number }> {
  const port = await freeRtpPorts();
  const s = createSocket('udp4');
  let n = 0;
  s.on('message', () => n++);
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r));
  sockets.push(s);
  return { port, packets: () => n };
}

/** A live camera as ffmpeg makes one: a solid colour, H.264 (SPS/PPS in band) or VP8, as RTP. */
function sender(colour: string, codec: 'H264' | 'VP8', port: number, pt: number, fps = 30, gop = 30): ChildProcess {
  const enc = codec === 'H264'
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', String(gop), '-x264-params', 'repeat-headers=1']
    : ['-c:v', 'libvpx', '-deadline', 'realtime', '-g', String(gop), '-b:v', '300k'];
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `color=${colour}:s=320x180:r=${fps}`,
    ...enc, '-payload_type', String(pt), '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`], { stdio: 'ignore' });
  running.push(p);
  return p;
}

/** A live microphone as ffmpeg makes one: a steady 440 Hz tone, Opus as RTP (20 ms a packet). */
function tone(port: number): ChildProcess {
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-ac', '2',
    '-c:a', 'libopus', '-payload_type', '100', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
  running.push(p);
  return p;
}

/** A network between a sender and the mixer that loses the packets `lose` picks (counted from 1). */
async function lossyLink(to: number, lose: (n: number) => boolean): Promise<{ port: number; lost: () => number }> {
  const port = await freeRtpPorts();
  const s = createSocket('udp4');
  let n = 0;
  let lost = 0;
  s.on('message', (m) => {
    if (lose(++n)) lost++;
    else s.send(m, to, '127.0.0.1');
  });
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r));
  sockets.push(s);
  return { port, lost: () => lost };
}

/** The program's sound as a listener gets it: the mixer's Opus RTP on `port`, decoded by ffmpeg to 48 kHz mono. */
function programSound(port: number, dir: string): { samples: () => Int16Array } {
  const sdp = join(dir, 'sound.sdp');
  writeFileSync(sdp, `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=program\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio ${port} RTP/AVP 100\na=rtpmap:100 opus/48000/2\n`);
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-f', 's16le', '-ac', '1', '-ar', '48000', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  running.push(p);
  const chunks: Buffer[] = [];
  p.stdout!.on('data', (c: Buffer) => chunks.push(c));
  return {
    samples: () => {
      const pcm = Buffer.concat(chunks);
      return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.length & ~1)));
    },
  };
}

/** Each 10 ms of sound's loudness (RMS). */
function loudness(samples: Int16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 480 <= samples.length; i += 480) {
    let sum = 0;
    for (let j = i; j < i + 480; j++) sum += samples[j]! * samples[j]!;
    out.push(Math.sqrt(sum / 480));
  }
  return out;
}

/** Resolves once `done()` holds (looked at every 50 ms). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}

type Mixer = {
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
async function startMixer({ preview = false, soundTo }: { preview?: boolean; soundTo?: number } = {}): Promise<Mixer> {
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

const stats = (e: MixerEvent): e is Extract<MixerEvent, { ev: 'stats' }> => e.ev === 'stats';

describe('the mixer engine', () => {
  it('decodes H.264 and VP8 inputs, and keeps composing at its frame rate after every input died', async () => {
    const m = await startMixer();
    const [red, blue] = [await freeRtpPorts(), await freeRtpPorts()];
    await m.channel.send({ cmd: 'input.add', input: 'red', video: { port: red, codec: 'H264', pt: 96 } });
    await m.channel.send({ cmd: 'input.add', input: 'blue', video: { port: blue, codec: 'VP8', pt: 97 } });
    const senders = [sender('red', 'H264', red, 96), sender('blue', 'VP8', blue, 97)];
    await m.seen((e) => e.ev === 'input-frames' && e.input === 'red');
    await m.seen((e) => e.ev === 'input-frames' && e.input === 'blue');
    await m.channel.send({ cmd: 'scene', layers: [{ input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }], gains: { red: 1 }, ms: 0 });

    for (const s of senders) s.kill('SIGKILL');
    // Both inputs stop decoding (their last pictures are old)...
    const dead = await m.next((e) => stats(e) && Object.values(e.inputs).every((i) => (i.sinceMs ?? 0) > 1000));
    // ...and the program goes on at its frame rate (a stalled compositor would add none;
    // a loaded machine may delay a report, so the rate is taken over 1.5 s of them).
    const from = { at: Date.now(), frames: (dead as Extract<MixerEvent, { ev: 'stats' }>).framesOut };
    let frames = from.frames;
    while (Date.now() - from.at < 1500) frames = ((await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>).framesOut;
    const fps = (frames - from.frames) / ((Date.now() - from.at) / 1000);
    expect(fps, `frames out per second after the inputs died (of 30)`).toBeGreaterThan(15);
    const packetsThen = m.out.packets();
    await m.next(stats);
    expect(m.out.packets()).toBeGreaterThan(packetsThen); // still sending RTP
  });

  it('a camera gone silent is covered (its last picture kept, its sound given silence), is still seen silent, and shows its new pictures when back', async () => {
    const m = await startMixer({ preview: true });
    const [port, audioPort] = [await freeRtpPorts(), await freeRtpPorts()];
    await m.channel.send({ cmd: 'input.add', input: 'cam', video: { port, codec: 'H264', pt: 96 }, audio: { port: audioPort, pt: 100 } });
    const first = sender('red', 'H264', port, 96);
    const sound = tone(audioPort);
    const warnings: MixerEvent[] = [];
    m.channel.on('event', (e) => { if (e.ev === 'warning' || e.ev === 'error') warnings.push(e); });
    await m.seen((e) => e.ev === 'input-frames' && e.input === 'cam');
    const full = [{ input: 'cam', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }];
    await m.channel.send({ cmd: 'scene', layers: full, gains: { cam: 1 }, ms: 0 });
    await m.channel.send({ cmd: 'preview', layers: full, graphics: {} });
    await m.channel.send({ cmd: 'measure', on: true });
    const red = (e: MixerEvent) => e.ev === 'centre' && e.v > 180 && e.y < 120;
    await m.seen(red);
    // Sending: not covered.
    await m.next((e) => stats(e) && e.inputs.cam?.covered === false && (e.inputs.cam?.sinceMs ?? Infinity) < 200);
    first.kill('SIGKILL');
    sound.kill('SIGKILL');
    // Silent: covered, and still seen silent (its repeats are not its pictures)...
    await m.next((e) => stats(e) && e.inputs.cam?.covered === true && (e.inputs.cam?.sinceMs ?? 0) > 1000);
    // ...its last picture kept in the program and the preview.
    await m.next(red);
    await m.next((e) => e.ev === 'preview-centre' && e.v > 180 && e.y < 120);
    // Back (a new picture on the same input): noticed as the input's own, on air, no longer covered.
    const back = m.next((e) => e.ev === 'input-frames' && e.input === 'cam');
    sender('blue', 'H264', port, 96);
    tone(audioPort);
    await back;
    await m.next((e) => e.ev === 'centre' && e.u > 180);
    await m.next((e) => stats(e) && e.inputs.cam?.covered === false);
    expect(warnings, 'what the mixer warned of').toEqual([]);
  });

  // A phone on 4G loses sound packets, and WebRTC does not send them again. The mixer's
  // jitter buffer waits for each one up to its latency; the silence cover must not take
  // that wait for a silence (it did: each lost packet was 70-90 ms of silence on air),
  // and what was lost is concealed by the Opus decoder, not left silent.
  it('a lost sound packet is concealed, not a silence: the program\'s tone carries on while one packet in 25 is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-sound-'));
    try {
      const soundPort = await freeRtpPorts();
      const heard = programSound(soundPort, dir);
      const m = await startMixer({ soundTo: soundPort });
      const audioPort = await freeRtpPorts();
      await m.channel.send({ cmd: 'input.add', input: 'cam', audio: { port: audioPort, pt: 100 } });
      let losing = false;
      const link = await lossyLink(audioPort, (n) => losing && n % 25 === 0);
      tone(link.port);
      await m.channel.send({ cmd: 'scene', layers: [], gains: { cam: 1 }, ms: 0 });
      // The tone on air (a second of it heard), then twelve packets lost, one in 25...
      const loud = (ms: number) => loudness(heard.samples()).filter((v) => v > 1000).length >= ms / 10;
      await until(() => loud(1000));
      const from = Math.floor(heard.samples().length / 480);
      losing = true;
      await until(() => link.lost() >= 12);
      losing = false;
      // ...and heard out, past the jitter buffer's wait for the last of them.
      const end = heard.samples().length + 48000;
      await until(() => heard.samples().length >= end);
      const windows = loudness(heard.samples()).slice(from);
      const level = [...windows].sort((a, b) => a - b)[Math.floor(windows.length / 2)]!;
      const quiet: number[] = []; // each stretch of 10 ms windows well below the tone's level, in ms
      let run = 0;
      for (const v of [...windows, level]) {
        if (v < level * 0.3) run++;
        else if (run > 0) { quiet.push(run * 10); run = 0; }
      }
      expect(level, 'the tone\'s level (RMS)').toBeGreaterThan(1000);
      // (Concealed: none here. Before, one per lost packet. A loaded machine may starve the
      // sender or the mixer once or twice.)
      const gaps = quiet.filter((ms) => ms >= 40);
      expect(gaps.length, `stretches of silence (${JSON.stringify(gaps)} ms) in ${windows.length * 10} ms with 12 packets lost`).toBeLessThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // (What the repeat is for, that no program frame waits for the still's next picture, is
  // a time: the mixer bench measures it, side by side with the still as a plain input.)
  it('a still picture sent at a low rate (the slate) is shown and held, in the program and the preview; only its own pictures count as its input\'s', async () => {
    const m = await startMixer({ preview: true });
    const port = await freeRtpPorts();
    await m.channel.send({ cmd: 'input.add', input: 'slate', video: { port, codec: 'H264', pt: 96, still: true } });
    const slate = sender('red', 'H264', port, 96, 5, 5);
    await m.seen((e) => e.ev === 'input-frames' && e.input === 'slate');
    const full = [{ input: 'slate', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }];
    await m.channel.send({ cmd: 'scene', layers: full, gains: {}, ms: 0 });
    await m.channel.send({ cmd: 'preview', layers: full, graphics: {} });
    await m.channel.send({ cmd: 'measure', on: true });
    const red = (e: MixerEvent) => e.ev === 'centre' && e.v > 180 && e.y < 120;
    await m.seen(red);
    await m.seen((e) => e.ev === 'preview-centre' && e.v > 180 && e.y < 120);
    slate.kill('SIGKILL');
    // Its repeats are not its pictures: the input is seen silent (a dead slate is noticed)...
    await m.next((e) => stats(e) && (e.inputs.slate?.sinceMs ?? 0) > 1000);
    // ...while the program still shows its last picture.
    await m.next(red);
  });

  it('an input whose port is taken is refused with why; its late error does not end the mixer', async () => {
    const m = await startMixer();
    const taken = await sink(); // (a socket of ours holds the port)
    await expect(m.channel.send({ cmd: 'input.add', input: 'x', video: { port: taken.port, codec: 'H264', pt: 96 } })).rejects.toThrow(/could not start|port/);
    // The mixer goes on: reports keep coming, with more frames each time.
    const a = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
    await m.next(stats);
    const c = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
    expect(c.framesOut).toBeGreaterThan(a.framesOut);
    expect(Object.keys(c.inputs)).toEqual([]);
  });

  it('shows the logo\'s image where it is put, at its opacity; an image it cannot read shows nothing and the program goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-mixer-logo-'));
    try {
      const png = join(dir, 'logo-Régie-été.png'); // (a path outside ASCII, as a data dir may be)
      writeFileSync(png, execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=0x00ff00:s=64x32', '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1']));
      const m = await startMixer();
      await m.channel.send({ cmd: 'logo', path: null }); // (no logo yet: what a new mixer is told in a show without one)
      const centre = () => m.next((e) => e.ev === 'centre') as Promise<Extract<MixerEvent, { ev: 'centre' }>>;
      await m.channel.send({ cmd: 'measure', on: true });
      expect((await centre()).y).toBeLessThan(30); // the black background
      // over the centre of the 320x180 frame
      await m.channel.send({ cmd: 'logo', path: png, decoder: 'pngdec', x: 120, y: 60, w: 80, h: 40 });
      await m.channel.send({ cmd: 'graphic', name: 'logo', on: true, ms: 0, opacity: 1 });
      const green = await m.seen((e) => e.ev === 'centre' && e.y > 120 && e.u < 80 && e.v < 80);
      expect(green).toBeDefined();
      // at half its opacity, half as bright over black
      await m.channel.send({ cmd: 'graphic', name: 'logo', on: true, ms: 0, opacity: 0.5 });
      const half = await m.next((e) => e.ev === 'centre' && e.y > 60 && e.y < 110) as Extract<MixerEvent, { ev: 'centre' }>;
      expect(half.y).toBeGreaterThan(60);
      // Made larger: a new picture at the new size, and not one frame without a logo
      // meanwhile (the centre is in both boxes).
      await m.channel.send({ cmd: 'graphic', name: 'logo', on: true, ms: 0, opacity: 1 });
      await m.next((e) => e.ev === 'centre' && e.y > 120 && e.u < 80 && e.v < 80);
      await m.channel.send({ cmd: 'logo', path: png, decoder: 'pngdec', x: 100, y: 50, w: 120, h: 60 });
      const during: MixerEvent[] = [];
      while (during.length < 15) during.push(await m.next((e) => e.ev === 'centre'));
      expect(during.filter((e) => e.ev === 'centre' && e.y < 60)).toEqual([]);
      // A picture whose data is damaged (the server's ffprobe keeps these out): the
      // decoder fails on it, the old picture is gone, and the program goes on.
      const bad = join(dir, 'bad.png');
      const damaged = readFileSync(png);
      for (let i = damaged.indexOf('IDAT') + 8; i < damaged.length - 16; i++) damaged[i] ^= 0x5a;
      writeFileSync(bad, damaged);
      await m.channel.send({ cmd: 'logo', path: bad, decoder: 'pngdec', x: 120, y: 60, w: 80, h: 40 });
      // The server is told which image failed (it may have chosen another since).
      expect(await m.seen((e) => e.ev === 'logo-error')).toMatchObject({ ev: 'logo-error', path: bad });
      await m.next((e) => e.ev === 'centre' && e.y < 30);
      const a = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
      await m.next(stats);
      const c = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
      expect(c.framesOut).toBeGreaterThan(a.framesOut);
      // No logo: the graphic is refused with why.
      await m.channel.send({ cmd: 'logo', path: null });
      await expect(m.channel.send({ cmd: 'graphic', name: 'logo', on: true, ms: 0 })).rejects.toThrow(/no graphic 'logo'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('composes the preview apart from the program: its own shot, its own graphics, sent as RTP of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-mixer-preview-'));
    try {
      const png = join(dir, 'logo.png');
      writeFileSync(png, execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=0x00ff00:s=64x32', '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1']));
      const m = await startMixer({ preview: true });
      const [red, blue] = [await freeRtpPorts(), await freeRtpPorts()];
      await m.channel.send({ cmd: 'input.add', input: 'red', video: { port: red, codec: 'H264', pt: 96 } });
      await m.channel.send({ cmd: 'input.add', input: 'blue', video: { port: blue, codec: 'VP8', pt: 97 } });
      sender('red', 'H264', red, 96);
      sender('blue', 'VP8', blue, 97);
      await m.seen((e) => e.ev === 'input-frames' && e.input === 'red');
      await m.seen((e) => e.ev === 'input-frames' && e.input === 'blue');
      type Centre = Extract<MixerEvent, { ev: 'centre' | 'preview-centre' }>;
      const isRed = (e: Centre) => e.v > 200 && e.u < 120;
      const isBlue = (e: Centre) => e.u > 180 && e.v < 140;
      const isGreen = (e: Centre) => e.y > 120 && e.u < 80 && e.v < 80;
      /** The next program and preview frames, once both show what they should. */
      const both = async (program: (e: Centre) => boolean, preview: (e: Centre) => boolean) => {
        await m.next((e) => e.ev === 'preview-centre' && preview(e));
        await m.next((e) => e.ev === 'centre' && program(e));
        // ...and go on showing it (a frame of each, from now)
        expect(program(await m.next((e) => e.ev === 'centre') as Centre)).toBe(true);
        expect(preview(await m.next((e) => e.ev === 'preview-centre') as Centre)).toBe(true);
      };
      await m.channel.send({ cmd: 'measure', on: true });
      // Red on the program, blue in preview.
      await m.channel.send({ cmd: 'scene', layers: [{ input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }], gains: { red: 1 }, ms: 0 });
      await m.channel.send({ cmd: 'preview', layers: [{ input: 'blue', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }], graphics: {} });
      await both(isRed, isBlue);
      // The preview's layout is its own: red full frame with blue inset over the centre
      // (boxes in program pixels: the preview is half the size); the program unchanged.
      await m.channel.send({ cmd: 'preview', graphics: {}, layers: [
        { input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }, { input: 'blue', x: 120, y: 60, w: 80, h: 60, alpha: 1, z: 2 }] });
      await both(isRed, isBlue);
      await m.channel.send({ cmd: 'preview', graphics: {}, layers: [
        { input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }, { input: 'blue', x: 0, y: 0, w: 80, h: 60, alpha: 1, z: 2 }] });
      await both(isRed, isRed);
      // A logo readied with the next shot: in preview only.
      await m.channel.send({ cmd: 'logo', path: png, decoder: 'pngdec', x: 120, y: 60, w: 80, h: 40 });
      await m.channel.send({ cmd: 'preview', graphics: { logo: 1 }, layers: [{ input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }] });
      await both(isRed, isGreen);
      // Taken: on both.
      await m.channel.send({ cmd: 'graphic', name: 'logo', on: true, ms: 0, opacity: 1 });
      await both(isGreen, isGreen);
      // The preview is sent, as RTP of its own.
      const packets = m.preview!.packets();
      await m.next(stats);
      await m.next(stats);
      expect(m.preview!.packets()).toBeGreaterThan(packets);
      // Inputs removed while shown, on both: each answered at once (a bin is stopped off
      // the main loop), both compositions go on (the logo alone over black)...
      await m.channel.send({ cmd: 'graphic', name: 'logo', on: false, ms: 0 });
      await m.channel.send({ cmd: 'preview', graphics: {}, layers: [{ input: 'red', x: 0, y: 0, w: 320, h: 180, alpha: 1, z: 1 }] });
      await both(isRed, isRed);
      await m.channel.send({ cmd: 'input.remove', input: 'red' });
      await m.channel.send({ cmd: 'input.remove', input: 'blue' });
      const black = (e: Centre) => e.y < 30;
      await both(black, black);
      // ...and one added again under the same name, on a new port, takes its place in both;
      // again, right after its removal (its last bin may still be stopping).
      for (let i = 0; i < 2; i++) {
        if (i > 0) await m.channel.send({ cmd: 'input.remove', input: 'red' });
        const again = await freeRtpPorts();
        await m.channel.send({ cmd: 'input.add', input: 'red', video: { port: again, codec: 'H264', pt: 96 } });
        sender('red', 'H264', again, 96);
        await both(isRed, isRed);
      }
      const report = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
      expect(report.loopMs, 'its main loop runs (answers commands)').toBeLessThan(1000);
      expect(Object.keys(report.inputs)).toEqual(['red']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a bad command with why, and goes on composing', async () => {
    const m = await startMixer();
    await expect(m.channel.send({ cmd: 'nope' } as never)).rejects.toThrow(/unknown command 'nope'/);
    await expect(m.channel.send({ cmd: 'preview', layers: [], graphics: {} })).rejects.toThrow(/makes no preview/);
    await expect(m.channel.send({ cmd: 'input.add', input: 'x', video: { port: await freeRtpPorts(), codec: 'AV1', pt: 96 } })).rejects.toThrow(/cannot decode AV1/);
    const a = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
    const b = (await m.next(stats)) as Extract<MixerEvent, { ev: 'stats' }>;
    expect(b.framesOut).toBeGreaterThan(a.framesOut);
  });
});
