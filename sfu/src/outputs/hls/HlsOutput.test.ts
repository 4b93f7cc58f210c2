// The HLS muxer on real ffmpeg: a program stream in (a test pattern encoded as the show
// encodes), a playlist and segments out; an encoder restart is a discontinuity in the
// same playlist, never a new one; End live marks the end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.js';
import { ProgramGop } from '../ProgramGop.js';
import { HlsOutput, PLAYLIST, SEGMENT_NAME } from './HlsOutput.js';

const log = createLogger('silent');
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** `seconds` of a 1 s-GOP H.264 + AAC MPEG-TS, as the program encoder makes it. */
function programStream(seconds: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=48000:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-f', 'mpegts', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.on('error', reject);
    ff.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg ${code}`))));
  });
}

/** An HLS output fed as Broadcast feeds it: through the program's group-of-pictures keeper. */
function newOutput(): { hls: HlsOutput; gop: ProgramGop } {
  const dir = mkdtempSync(join(tmpdir(), 'regie-hls-'));
  dirs.push(dir);
  const gop = new ProgramGop();
  return { hls: new HlsOutput({ dir: join(dir, 'hls'), segmentSeconds: 1, head: () => gop.snapshot(), log }), gop };
}

/** Feeds a stream in pieces, a little at a time as an encoder does, then ends it (`end`). */
async function feedRun({ hls, gop }: { hls: HlsOutput; gop: ProgramGop }, stream: Buffer, end: () => void): Promise<void> {
  for (let at = 0; at < stream.length; at += 188 * 20) {
    const packets = gop.push(stream.subarray(at, at + 188 * 20));
    if (packets.length) hls.write(packets);
    await new Promise((r) => setTimeout(r, 2));
  }
  end();
}

const playlist = (hls: HlsOutput) => (existsSync(join(hls.dir, PLAYLIST)) ? readFileSync(join(hls.dir, PLAYLIST), 'utf8') : '');
const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(what()).toBe(true);
};

describe('HLS for the watch page', () => {
  it('cuts the program into segments of the keyframe interval, listed in a sliding playlist', async () => {
    const out = newOutput();
    const { hls } = out;
    hls.start(true);
    expect(hls.view().state).toBe('starting');
    await feedRun(out, await programStream(10), () => hls.streamRestarted());
    // All ten cut: the playlist has slid past the first four.
    const sequence = () => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist(hls))?.[1] ?? -1);
    await until(() => sequence() >= 4 && !hls.files().some((f) => f.endsWith('.tmp')));
    const text = playlist(hls);
    const listed = text.split('\n').filter((l) => SEGMENT_NAME.test(l));
    expect(listed.length).toBe(6); // the list slides: 10 one-second segments were cut, 6 are listed
    for (const d of text.matchAll(/#EXTINF:([\d.]+)/g)) expect(Number(d[1])).toBeLessThan(1.5);
    await until(() => hls.view().state === 'on'); // (the playlist is read every half second)
    // Old segments are removed (a few past the list are kept for players a little behind).
    await until(() => hls.files().filter((f) => SEGMENT_NAME.test(f)).length <= 6 + 3);
    expect(text).not.toContain('#EXT-X-ENDLIST');
  });

  it('an encoder restart goes on in the same playlist after a discontinuity; End live marks the end', async () => {
    const out = newOutput();
    const { hls, gop } = out;
    hls.start(true);
    const stream = await programStream(3);
    await feedRun(out, stream, () => {
      hls.streamRestarted();
      gop.reset(); // as Broadcast does when the encoder stops
    });
    await until(() => hls.view().segments >= 3);
    const firstRun = playlist(hls).split('\n').filter((l) => SEGMENT_NAME.test(l));
    // The next run starts once this one has finished writing (packets before that wait
    // for the next group of pictures; in this test there would be none left).
    await until(() => !hls.writing);
    await new Promise((r) => setTimeout(r, 5)); // the next run is named by the time it starts
    await feedRun(out, stream, () => hls.stop());
    await until(() => playlist(hls).includes('#EXT-X-ENDLIST'));
    const lines = playlist(hls).split('\n').map((l) => l.trim());
    const segments = lines.filter((l) => SEGMENT_NAME.test(l));
    const runs = [...new Set(segments.map((s) => s.split('-')[0]))];
    expect(runs).toHaveLength(2); // one playlist, two runs of the muxer
    // The first run's segments, a discontinuity, then the second run's: a player carries on.
    const lastOfFirst = lines.lastIndexOf(firstRun.at(-1)!);
    const firstOfSecond = lines.findIndex((l) => l.startsWith(`${runs[1]}-`));
    expect(lastOfFirst).toBeGreaterThan(-1);
    expect(lines.slice(lastOfFirst, firstOfSecond)).toContain('#EXT-X-DISCONTINUITY');
    expect(hls.view().state).toBe('off');
  });
});
