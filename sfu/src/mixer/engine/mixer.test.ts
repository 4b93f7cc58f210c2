// The mixer engine on its own, for real: Debian's python with GStreamer, fed RTP by
// ffmpeg senders as mediasoup's transports would, driven over MixerChannel. It keeps
// composing when its inputs die, it decodes H.264 and VP8, and a bad command is
// answered with why while the program goes on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeRtpPorts } from '../../media/plainTransports.js';
import type { MixerEvent } from '../MixerChannel.js';
import { cleanUp, sender, sink, startMixer, stats, tone } from './harness.js';

afterEach(cleanUp);

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
