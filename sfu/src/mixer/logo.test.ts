// The logo's store, for real: images made by ffmpeg, read back by ffprobe, kept in a
// temporary data dir; and the logo as a graphic (a fake mixer records the commands).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MixerGraphics } from './graphics.js';
import { LogoStore } from './logo.js';
import type { MixerCommand } from './MixerChannel.js';

const dir = mkdtempSync(join(tmpdir(), 'regie-logo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A solid-colour image of this size, as a file of this format would hold it. */
function image(format: 'png' | 'mjpeg', width: number, height: number): Uint8Array {
  return new Uint8Array(execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=green:s=${width}x${height}`,
    '-frames:v', '1', '-c:v', format, '-f', 'image2pipe', 'pipe:1']));
}
const FRAME = { width: 1280, height: 720 };

describe('the logo', () => {
  it('keeps a PNG with its size, in the data dir, and a new store reads it back', async () => {
    const at = join(dir, 'a');
    const store = new LogoStore(at);
    expect(store.view.image).toBeUndefined();
    expect(store.file).toBeUndefined();
    await store.setImage({ type: 'image/png', data: image('png', 300, 100) });
    expect(store.view.image).toEqual({ width: 300, height: 100, type: 'image/png', version: 1 });
    expect(store.decoder).toBe('pngdec');
    expect(readFileSync(store.file!).subarray(1, 4).toString()).toBe('PNG');
    store.setPlacement({ corner: 'bottom-left', size: 0.2, opacity: 0.5 });
    const again = new LogoStore(at); // (a restarted server)
    expect(again.view).toEqual(store.view);
    expect(again.file).toBe(store.file);
  });

  it('a new image replaces the old one (a new file, the old one removed)', async () => {
    const at = join(dir, 'b');
    const store = new LogoStore(at);
    await store.setImage({ type: 'image/png', data: image('png', 64, 64) });
    const first = store.file!;
    await store.setImage({ type: 'image/jpeg', data: image('mjpeg', 200, 80) });
    expect(store.file).not.toBe(first);
    expect(existsSync(first)).toBe(false);
    expect(store.view.image).toMatchObject({ width: 200, height: 80, type: 'image/jpeg', version: 2 });
    expect(store.decoder).toBe('jpegdec');
    expect(readdirSync(at).sort()).toEqual(['logo-2.jpg', 'logo.json']);
  });

  it('two uploads at once are kept one after the other: the last one wins, whole', async () => {
    const at = join(dir, 'f');
    const store = new LogoStore(at);
    await Promise.all([
      store.setImage({ type: 'image/png', data: image('png', 64, 64) }),
      store.setImage({ type: 'image/jpeg', data: image('mjpeg', 120, 60) }),
    ]);
    expect(store.view.image).toEqual({ width: 120, height: 60, type: 'image/jpeg', version: 2 });
    expect(readdirSync(at).sort()).toEqual(['logo-2.jpg', 'logo.json']);
  });

  it('a damaged logo.json is no logo, not a broken show', () => {
    const at = join(dir, 'g');
    mkdirSync(at);
    writeFileSync(join(at, 'logo.json'), JSON.stringify({ placement: { corner: 'middle' }, image: { type: 'image/gif' } }));
    const store = new LogoStore(at);
    expect(store.view).toEqual({ placement: { corner: 'top-right', size: 0.12, opacity: 0.9 } });
    expect(store.file).toBeUndefined();
  });

  it('refuses what is not the image it says, and keeps what it had', async () => {
    const at = join(dir, 'c');
    const store = new LogoStore(at);
    await store.setImage({ type: 'image/png', data: image('png', 64, 64) });
    const before = store.view;
    const jpeg = image('mjpeg', 64, 64);
    await expect(store.setImage({ type: 'image/png', data: jpeg })).rejects.toThrow(/not a PNG image/);
    // PNG's signature, then nothing ffprobe can read
    const broken = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
    const unread = await store.setImage({ type: 'image/png', data: broken }).catch((err: Error) => err);
    expect((unread as Error).message).toMatch(/cannot be read/);
    expect((unread as Error).message).not.toContain(at); // (no server path reaches the browser)
    await expect(store.setImage({ type: 'image/png', data: image('png', 2400, 100) })).rejects.toThrow(/2400×100: a logo is at most 2000 pixels/);
    // A header that reads well over damaged picture data (what the mixer's decoder would fail on)
    const damaged = image('png', 128, 64);
    const idat = Buffer.from(damaged).indexOf('IDAT');
    for (let i = idat + 8; i < damaged.length - 16; i++) damaged[i] ^= 0x5a;
    await expect(store.setImage({ type: 'image/png', data: damaged })).rejects.toThrow(/damaged/);
    expect(store.view).toEqual(before);
    expect(readdirSync(at).sort()).toEqual(['logo-1.png', 'logo.json']);
  });

  it('sits in its corner, a margin from the edges, keeping its aspect; a wide one is at most half the width', async () => {
    const store = new LogoStore(join(dir, 'd'));
    expect(store.box(FRAME)).toBeUndefined();
    await store.setImage({ type: 'image/png', data: image('png', 300, 100) });
    store.setPlacement({ corner: 'top-right', size: 0.1, opacity: 1 });
    expect(store.box(FRAME)).toEqual({ x: 1280 - 28 - 216, y: 28, w: 216, h: 72 });
    store.setPlacement({ corner: 'bottom-left', size: 0.1, opacity: 1 });
    expect(store.box(FRAME)).toEqual({ x: 28, y: 720 - 28 - 72, w: 216, h: 72 });
    await store.setImage({ type: 'image/png', data: image('png', 1000, 100) });
    store.setPlacement({ corner: 'top-left', size: 0.3, opacity: 1 });
    expect(store.box(FRAME)).toEqual({ x: 28, y: 28, w: 640, h: 64 });
  });

  it('as a graphic: refused on before it has an image; then put in the mixer and faded to its opacity; moved live', async () => {
    const store = new LogoStore(join(dir, 'e'));
    const sent: MixerCommand[] = [];
    const g = new MixerGraphics((c) => sent.push(c), () => undefined, { store, frame: FRAME });
    expect(() => g.set('logo', true, false)).toThrow(/no logo yet/);
    store.setPlacement({ corner: 'top-right', size: 0.1, opacity: 0.6 });
    await g.setLogoImage({ type: 'image/png', data: image('png', 300, 100) });
    expect(sent.at(-1)).toEqual({ cmd: 'logo', path: store.file, decoder: 'pngdec', x: 1036, y: 28, w: 216, h: 72 });
    g.set('logo', true, false);
    expect(sent.at(-1)).toEqual({ cmd: 'graphic', name: 'logo', on: true, ms: 500, opacity: 0.6 });
    sent.length = 0;
    g.setLogoPlacement({ corner: 'top-left', size: 0.1, opacity: 1 });
    expect(sent).toEqual([
      { cmd: 'logo', path: store.file, decoder: 'pngdec', x: 28, y: 28, w: 216, h: 72 },
      { cmd: 'graphic', name: 'logo', on: true, ms: 500, opacity: 1 },
    ]);
    sent.length = 0;
    g.restore(); // a new mixer: the logo's picture first, then on
    const logoAt = sent.findIndex((c) => c.cmd === 'logo');
    const onAt = sent.findIndex((c) => c.cmd === 'graphic' && c.name === 'logo');
    expect(logoAt).toBeGreaterThan(-1);
    expect(onAt).toBeGreaterThan(logoAt);
  });

  it('an image the mixer cannot show leaves the program, the director is told why, until another is chosen', async () => {
    const store = new LogoStore(join(dir, 'h'));
    const sent: MixerCommand[] = [];
    let changes = 0;
    const g = new MixerGraphics((c) => sent.push(c), () => changes++, { store, frame: FRAME });
    await g.setLogoImage({ type: 'image/png', data: image('png', 300, 100) });
    const failed = store.file!;
    g.set('logo', true, false);
    g.logoFailed('/an/older/image.png', 'Internal data stream error.'); // about an image replaced since: old news
    expect(g.view.logo.error).toBeUndefined();
    const before = changes;
    g.logoFailed(failed, 'Internal data stream error.');
    expect(changes).toBe(before + 1);
    expect(g.view.onAir).toEqual([]);
    expect(g.view.logo.error).toMatch(/could not show this logo \(Internal data stream error\.\).*choose another PNG or JPEG/);
    expect(() => g.set('logo', true, false)).toThrow(/could not show this logo/);
    sent.length = 0;
    g.restore(); // a new mixer is not given it again
    expect(sent).toContainEqual({ cmd: 'logo', path: null });
    expect(sent.some((c) => c.cmd === 'graphic' && c.name === 'logo')).toBe(false);
    await g.setLogoImage({ type: 'image/png', data: image('png', 64, 64) });
    expect(g.view.logo.error).toBeUndefined();
    expect(sent.at(-1)).toMatchObject({ cmd: 'logo', path: store.file });
    g.set('logo', true, false);
    expect(g.view.onAir).toEqual(['logo']);
  });
});
