import { describe, expect, it } from 'vitest';
import { fallBack, FLOOR_DB, meterPercent, meterZone, peakDb } from './audioLevel';

describe('audio level', () => {
  it('reads a block\'s peak in dBFS, silence at the floor', () => {
    expect(peakDb(new Float32Array([0, 0.5, -1, 0.25]))).toBe(0);
    expect(peakDb(new Float32Array([0.1, -0.05]))).toBeCloseTo(-20, 5);
    expect(peakDb(new Float32Array(128))).toBe(FLOOR_DB);
    expect(peakDb(new Float32Array([1e-6]))).toBe(FLOOR_DB);
  });
  it('fills a meter from the floor (empty) to 0 dBFS (full)', () => {
    expect(meterPercent(FLOOR_DB)).toBe(0);
    expect(meterPercent(-18)).toBe(70);
    expect(meterPercent(0)).toBe(100);
    expect(meterPercent(6)).toBe(100);
  });
});

describe('meter zones and fall-back', () => {
  it('green to −18 dBFS, amber to −6, red above', () => {
    expect(meterZone(-30)).toBe('ok');
    expect(meterZone(-18)).toBe('ok');
    expect(meterZone(-12)).toBe('loud');
    expect(meterZone(-6)).toBe('loud');
    expect(meterZone(-3)).toBe('hot');
  });
  it('rises at once, falls back 20 dB in 1.7 s (17 readings), never below what is read now', () => {
    expect(fallBack(-40, -10)).toBe(-10);
    expect(fallBack(-10, -60)).toBeCloseTo(-11.2, 5);
    expect(fallBack(-10, -10.5)).toBe(-10.5);
    let shown = 0;
    for (let i = 0; i < 17; i++) shown = fallBack(shown, -60);
    expect(shown).toBeCloseTo(-20.4, 5);
  });
});
