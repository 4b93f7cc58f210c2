import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSlate } from './Slate.js';

const dir = mkdtempSync(join(tmpdir(), 'regie-slate-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const image = fileURLToPath(new URL('../../assets/slate.png', import.meta.url));

/** Each video packet's time (s) and whether it is a keyframe, as ffprobe reads them. */
function packets(file: string, loops = 0): { t: number; key: boolean }[] {
  // (-stream_loop, as the slate is sent: what a listener gets over several rounds)
  const looped = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-stream_loop', String(loops), '-i', file, '-c', 'copy', '-f', 'mpegts', '-'], { maxBuffer: 64 << 20 });
  expect(looped.status).toBe(0);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', '-'], { input: looped.stdout, encoding: 'utf8' });
  return probe.stdout.trim().split('\n').filter(Boolean).map((l) => { const [t, flags] = l.split(','); return { t: Number(t), key: flags!.startsWith('K') }; });
}

describe('the slate, encoded once and sent in a loop', () => {
  const out = join(dir, 'slate.ts');

  it('is a second of 720p H.264 at 10 frames a second, a keyframe every 0.2 s, each with its SPS/PPS', async () => {
    await encodeSlate(image, out);
    const size = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', out], { encoding: 'utf8' });
    expect(size.stdout.trim().split('\n')[0]).toBe('h264,1280,720'); // (MPEG-TS: listed again under its program)
    const ps = packets(out);
    expect(ps.map((p) => p.key)).toEqual([true, false, true, false, true, false, true, false, true, false]);
    // SPS NAL units (type 7) in the elementary stream: one before each keyframe, so a
    // listener that joins at any keyframe can decode.
    const es = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', out, '-c', 'copy', '-f', 'h264', '-'], { maxBuffer: 16 << 20 }).stdout;
    let sps = 0;
    for (let i = 0; i + 3 < es.length; i++) if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1 && (es[i + 3]! & 0x1f) === 7) sps++;
    expect(sps).toBe(5);
  });

  it('looped, its times carry on a frame apart across each round (no jump back, no gap)', () => {
    const ps = packets(out, 2);
    expect(ps).toHaveLength(30);
    for (let i = 1; i < ps.length; i++) expect(ps[i]!.t - ps[i - 1]!.t).toBeCloseTo(0.1, 3);
  });

  it('an image ffmpeg cannot read is an error naming it and where to set another, and leaves no file', async () => {
    const bad = join(dir, 'not-an-image.png');
    writeFileSync(bad, 'hello\n');
    const at = join(dir, 'bad.ts');
    await expect(encodeSlate(bad, at)).rejects.toThrow(/cannot encode the slate image .*not-an-image\.png: .+REGIE_SLATE_IMAGE/);
    expect(() => readFileSync(at)).toThrow();
  });
});
