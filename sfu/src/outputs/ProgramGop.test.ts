// ProgramGop on real MPEG-TS from ffmpeg (the program encoder's own muxer), cut into
// reads of odd sizes as a pipe delivers them; what it keeps is checked with ffprobe.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LinkFeed, ProgramGop } from './ProgramGop.js';
import { programTs } from './programTs.fixture.js';

/** Each video frame of a TS: is it a keyframe? (what a remuxer starting there would see) */
function videoFrames(ts: Buffer): { key: boolean }[] {
  const res = spawnSync('ffprobe', ['-v', 'error', '-analyzeduration', '500000', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: ts });
  if (res.status !== 0) throw new Error(`ffprobe failed: ${res.stderr}`);
  return res.stdout.toString().trim().split('\n').filter(Boolean).map((l) => ({ key: l.startsWith('K') }));
}

/** Feeds `ts` in reads of uneven sizes (a fixed pattern, not aligned to 188). */
function feed(gop: ProgramGop, ts: Buffer, upTo = ts.length): Buffer[] {
  const sizes = [1000, 4096, 7, 188 * 3 + 5, 65536, 333];
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < upTo; i++) {
    const n = Math.min(sizes[i % sizes.length]!, upTo - at);
    out.push(gop.push(ts.subarray(at, at + n)));
    at += n;
  }
  return out;
}

describe('ProgramGop', () => {
  const ts = programTs(4, 30); // a keyframe every second

  it('passes every byte on, in whole packets, whatever the reads', () => {
    const gop = new ProgramGop();
    const out = feed(gop, ts);
    for (const b of out) expect(b.length % 188).toBe(0);
    expect(Buffer.concat(out).equals(ts.subarray(0, ts.length - (ts.length % 188)))).toBe(true);
  });

  it('keeps the tables and exactly the last group of pictures: it starts on a keyframe', () => {
    for (const fraction of [0.3, 0.55, 0.8, 1]) {
      const gop = new ProgramGop();
      feed(gop, ts, Math.floor(ts.length * fraction));
      const snap = gop.snapshot();
      expect(snap.length).toBeGreaterThan(0);
      expect(snap.length).toBeLessThan(ts.length / 2);
      expect(((snap[1]! & 0x1f) << 8) | snap[2]!).toBe(0); // the PAT first
      const frames = videoFrames(snap);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.length).toBeLessThanOrEqual(30);
      expect(frames[0]!.key).toBe(true);
      expect(frames.filter((f) => f.key)).toHaveLength(1);
    }
  });

  it('has nothing to give before the first keyframe', () => {
    const gop = new ProgramGop();
    gop.push(ts.subarray(0, 188 * 2)); // the tables only
    expect(gop.snapshot().length).toBe(0);
  });

  it('a link started before the encoder\'s first byte gets nothing until the first keyframe, then the tables and that group, then every packet', () => {
    const gop = new ProgramGop();
    const link = new LinkFeed(() => gop.snapshot());
    expect(link.start().length).toBe(0); // Go live, a restarted server: no group yet
    const sent: Buffer[] = [];
    for (let at = 0; at < ts.length; at += 188 * 7 + 13) sent.push(link.next(gop.push(ts.subarray(at, at + 188 * 7 + 13))));
    const out = Buffer.concat(sent);
    expect(((out[1]! & 0x1f) << 8) | out[2]!).toBe(0); // the PAT first
    const frames = videoFrames(out);
    expect(frames[0]!.key).toBe(true);
    expect(frames.length).toBe(videoFrames(ts).length); // the encoder's stream starts on a keyframe: nothing lost
  });

  it('a link started while a group is kept gets it at once, then the packets as they come', () => {
    const gop = new ProgramGop();
    feed(gop, ts, Math.floor(ts.length * 0.6));
    const link = new LinkFeed(() => gop.snapshot());
    expect(link.start().equals(gop.snapshot())).toBe(true);
    const packets = gop.push(ts.subarray(Math.floor(ts.length * 0.6), Math.floor(ts.length * 0.6) + 188 * 5));
    expect(link.next(packets)).toBe(packets);
  });

  it('a half packet of an encoder that died never runs into the next one', () => {
    const gop = new ProgramGop();
    gop.push(ts.subarray(0, 188 * 40 + 100)); // cut mid-packet
    gop.reset();
    expect(gop.snapshot().length).toBe(0);
    const out = Buffer.concat(feed(gop, ts));
    expect(out.equals(ts.subarray(0, ts.length - (ts.length % 188)))).toBe(true);
  });

  it('skips bytes that are not a packet to the next sync byte', () => {
    const gop = new ProgramGop();
    const out = gop.push(Buffer.concat([Buffer.from([1, 2, 3, 4, 5]), ts.subarray(0, 188 * 10)]));
    expect(out.equals(ts.subarray(0, 188 * 10))).toBe(true);
  });
});
