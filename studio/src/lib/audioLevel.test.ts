import { describe, expect, it } from 'vitest';
import { FLOOR_DB, meterPercent, peakDb } from './audioLevel';

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
