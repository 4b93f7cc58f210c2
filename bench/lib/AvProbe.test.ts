import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onsets, pairOffsets, parseMetadataPrint, readAvOnsets } from './AvProbe.js';

const dir = mkdtempSync(join(tmpdir(), 'regie-avprobe-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A red 30 fps picture flashing white for 0.1 s each second, and a beep at each flash moved by `audioLateMs`. */
function flashAndBeep(audioLateMs: number): string {
  const file = join(dir, `av-${audioLateMs}.mkv`);
  const video = `color=red:size=320x180:rate=30,drawbox=c=white:t=fill:enable='lt(mod(t,1),0.1)'`;
  // The beep is made at the flash instants, then the whole sound is moved in time.
  const audio = `sine=f=1000:r=48000,volume=enable='gte(mod(t,1),0.1)':volume=0,volume=0.5` +
    (audioLateMs >= 0 ? `,adelay=${audioLateMs}:all=1` : `,atrim=start=${-audioLateMs / 1000},asetpts=PTS-STARTPTS`);
  const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', video, '-f', 'lavfi', '-i', audio,
    '-t', '5', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', file]);
  if (made.status !== 0) throw new Error(made.stderr.toString());
  return file;
}

describe('AvProbe: the A/V offset read back from a stream', () => {
  it('reads a metadata printout and finds where a series rises', () => {
    const text = 'frame:0    pts:0       pts_time:0\nlavfi.x=10\nframe:1    pts:1       pts_time:0.5\nlavfi.x=-inf\nframe:2 pts:2 pts_time:1\nlavfi.x=200\n';
    expect(parseMetadataPrint(text, 'lavfi.x')).toEqual([[0, 10], [0.5, Number.NEGATIVE_INFINITY], [1, 200]]);
    // A stream that starts in the middle of a flash does not count it.
    expect(onsets([[0, 200], [0.1, 10], [1, 200], [1.1, 200], [1.2, 10], [2, 170]], 160)).toEqual([1, 2]);
  });

  it('pairs each flash with the nearest beep, and none too far from it', () => {
    expect(pairOffsets({ flashes: [1, 2, 3], beeps: [1.12, 1.9, 2.05] })).toEqual([120, 50]);
    expect(pairOffsets({ flashes: [1], beeps: [] })).toEqual([]);
  });

  for (const late of [0, 90, -60]) {
    it(`measures sound ${late} ms after the picture in a real file`, async () => {
      const av = await readAvOnsets(flashAndBeep(late), 5);
      expect(av.flashes.length).toBeGreaterThanOrEqual(4);
      const offsets = pairOffsets(av);
      expect(offsets.length).toBe(av.flashes.length);
      // One frame is 33 ms, an audio window 5 ms: each offset is good to within both.
      for (const o of offsets) expect(Math.abs(o - late)).toBeLessThanOrEqual(45);
    });
  }
});
