import { describe, expect, it } from 'vitest';
import { effectiveMediaState, receivedBytes, SilenceDetector } from './mediaWatch';

const report = (...stats: Record<string, unknown>[]) => ({ forEach: (fn: (s: Record<string, unknown>) => void) => stats.forEach(fn) });

describe('SilenceDetector: is the studio still heard on the media transport?', () => {
  /** Reads every 500 ms; `bytesAt(t)` is the counter at time t. */
  const run = (d: SilenceDetector, from: number, to: number, bytesAt: (t: number) => number | undefined) => {
    const verdicts: [number, boolean][] = [];
    for (let t = from; t <= to; t += 500) verdicts.push([t, d.read(bytesAt(t), t)]);
    return verdicts;
  };

  it('is not silent while bytes keep arriving', () => {
    const d = new SilenceDetector();
    expect(run(d, 0, 10000, (t) => 1000 + t).every(([, silent]) => !silent)).toBe(true);
  });

  it('says silent once nothing arrived for 2.5 s, and heard again at the first new byte', () => {
    const d = new SilenceDetector();
    run(d, 0, 3000, (t) => 1000 + t);
    // The network goes at 3 s: the counter stops at 4000.
    const verdicts = run(d, 3500, 8000, () => 4000);
    expect(verdicts.find(([, silent]) => silent)?.[0]).toBe(5500);
    expect(verdicts.filter(([t]) => t >= 5500).every(([, silent]) => silent)).toBe(true);
    expect(d.read(4100, 8500)).toBe(false);
  });

  it('gives no verdict on its first reading, nor when the browser gives no counter', () => {
    const d = new SilenceDetector();
    expect(d.read(5000, 0)).toBe(false);
    expect(run(d, 500, 5000, () => undefined).every(([, silent]) => !silent)).toBe(true);
  });

  it('starts counting again after the page itself did not run for a while (frozen, throttled)', () => {
    const d = new SilenceDetector();
    run(d, 0, 2000, (t) => t);
    // No reading for 6 s, and by chance nothing new when it runs again: no verdict yet…
    expect(d.read(2000, 8000)).toBe(false);
    expect(d.read(2000, 10000)).toBe(false);
    // …but silence counted from its return is.
    expect(d.read(2000, 10500)).toBe(true);
  });

  it('starts over after a reset (a new transport: its counters start at zero)', () => {
    const d = new SilenceDetector();
    run(d, 0, 2000, (t) => 50000 + t);
    d.reset();
    expect(d.read(100, 2500)).toBe(false);
    expect(d.read(100, 4500)).toBe(false);
    expect(d.read(100, 5000)).toBe(true);
  });
});

describe('receivedBytes', () => {
  it('reads the transport stats', () => {
    expect(receivedBytes(report({ type: 'transport', bytesReceived: 1200 }))).toBe(1200);
  });
  it('falls back to the nominated candidate pair where there are no transport stats', () => {
    expect(receivedBytes(report(
      { type: 'candidate-pair', nominated: false, bytesReceived: 7 },
      { type: 'candidate-pair', nominated: true, bytesReceived: 900 },
      { type: 'outbound-rtp', bytesSent: 5000 },
    ))).toBe(900);
  });
  it('says nothing when the browser has no such counter', () => {
    expect(receivedBytes(report({ type: 'outbound-rtp', bytesSent: 5000 }))).toBeUndefined();
  });
});

describe('effectiveMediaState', () => {
  it('a silent transport counts as disconnected, whatever the browser still says', () => {
    expect(effectiveMediaState('connected', true)).toBe('disconnected');
    expect(effectiveMediaState('connected', false)).toBe('connected');
    expect(effectiveMediaState('failed', true)).toBe('failed');
    expect(effectiveMediaState('connecting', false)).toBe('connecting');
  });
});
