// soundclock.py: an input's sound kept on the program's clock by when it arrives. The
// Python class is driven with packets (the time each was given, when each came out of
// a jitter buffer that applies the ts-offset it is set to) and its corrections read.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENGINE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** A packet: its time by the sender's RTP clock (ms, from the first), and how late it came against that (ms). */
type Packet = { rtp: number; late: number };
type Run = { offsetMs: number; corrections: number; offsets: number[] };

const DRIVER = `
import json, sys
sys.path.insert(0, sys.argv[1])
import gi
gi.require_version('Gst', '1.0')
from gi.repository import Gst
from soundclock import SoundClock

class JitterBuffer:
    def __init__(self): self.ts_offset = 0
    def set_property(self, name, value):
        assert name == 'ts-offset'
        self.ts_offset = value

jb = JitterBuffer()
clock = SoundClock(jb, lambda: None)
offsets = []
for rtp, late in json.load(sys.stdin):
    base = 10 * Gst.SECOND + int(rtp * Gst.MSECOND)  # the time the jitter buffer gives, before its offset
    pts = base + jb.ts_offset
    clock.note(pts, base + int(late * Gst.MSECOND))
    offsets.append(jb.ts_offset / Gst.MSECOND)
print(json.dumps({'offsetMs': clock.offset / Gst.MSECOND, 'corrections': clock.corrections, 'offsets': offsets}))
`;

function drive(packets: Packet[]): Run {
  const r = spawnSync('/usr/bin/python3', ['-c', DRIVER, ENGINE_DIR], { input: JSON.stringify(packets.map((p) => [p.rtp, p.late])), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** `seconds` of 20 ms packets, each `late(i)` ms after the time the sender's clock gives it. */
function packets(seconds: number, late: (i: number, ms: number) => number): Packet[] {
  return Array.from({ length: seconds * 50 }, (_, i) => ({ rtp: i * 20, late: late(i, i * 20) }));
}

/** Jitter of a quiet link: 0-6 ms, never the same twice in a row (a fixed pattern: the test repeats). */
const jitter = (i: number): number => [1, 4, 0, 6, 2, 5, 3][i % 7]!;

describe('soundclock: an input sound\'s place on the program clock', () => {
  it('leaves a sender that keeps time as it is: the jitter of a quiet link moves nothing', () => {
    const run = drive(packets(6, (i) => 2 + jitter(i)));
    expect(run.corrections).toBe(0);
    expect(run.offsetMs).toBe(0);
  });

  it('moves the sound later by the time a stalled sender lost, once, within two seconds', () => {
    // From 2 s on, every packet comes 30 ms after the time its RTP clock gives it: the
    // sender lost 30 ms of sound (a stalled audio thread does not advance its clock).
    const run = drive(packets(6, (i, ms) => (ms >= 2000 ? 30 : 0) + jitter(i)));
    expect(run.corrections).toBe(1);
    expect(run.offsetMs).toBe(30); // (the earliest of that second came exactly 30 ms late)
    const movedAt = run.offsets.findIndex((o) => o !== 0) * 20;
    expect(movedAt).toBeGreaterThan(2000);
    expect(movedAt).toBeLessThanOrEqual(4000);
  });

  it('makes good a stall that lost more than the audio mixer waits for within a fifth of a second', () => {
    // From 2.5 s on (the middle of a second watched), 150 ms late: the audio mixer
    // (waiting up to 100 ms) would throw that sound away until it is moved.
    const run = drive(packets(4, (i, ms) => (ms >= 2500 ? 150 : 0) + jitter(i)));
    expect(run.corrections).toBe(1);
    expect(run.offsetMs).toBe(150);
    const movedAt = run.offsets.findIndex((o) => o !== 0) * 20;
    expect(movedAt).toBe(2700);
  });

  it('moves the sound earlier when its first packet came late and set every time after it', () => {
    // The first packet, which the jitter buffer timed the rest by, came 40 ms late: every
    // later one comes 40 ms before the time it is given.
    const run = drive(packets(4, (i) => (i === 0 ? 0 : -40 + jitter(i))));
    expect(run.corrections).toBe(1);
    expect(run.offsetMs).toBe(-40);
  });

  it('follows a sender whose clock drifts, in steps no larger than its slack', () => {
    // A sound clock 4000 parts per million slow (a phone's is far closer): over 20 s its
    // packets come up to 80 ms later than their times.
    const run = drive(packets(20, (i, ms) => ms * 0.004 + jitter(i)));
    expect(run.corrections).toBeGreaterThanOrEqual(5);
    const steps = run.offsets.map((o, i) => o - (run.offsets[i - 1] ?? 0)).filter((d) => d !== 0);
    for (const step of steps) expect(Math.abs(step)).toBeLessThanOrEqual(14);
    expect(run.offsetMs).toBeGreaterThan(60);
  });

  it('starts a new second of arrivals after the sender starts again', () => {
    // 0.6 s of packets early against their times, then 3 s of nothing (a phone that
    // locked), then packets on time: what came before the pause is not held against them.
    const before = packets(1, (i) => -30 + jitter(i)).slice(0, 30);
    const after = packets(2, (i) => 2 + jitter(i)).map((p) => ({ rtp: p.rtp + 3600, late: p.late }));
    const run = drive([...before, ...after]);
    expect(run.corrections).toBe(0);
  });
});
