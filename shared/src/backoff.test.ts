import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  const policy = { firstMs: 500, maxMs: 5000 };
  it('doubles from the first wait up to the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 20].map((a) => backoffMs(a, policy, mid))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(0, policy, mid)).toBe(500);
  });
  it('spreads each wait over ±25 %', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(375);
    expect(backoffMs(1, policy, () => 0.999999)).toBe(625);
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(4, policy)));
    expect(spread.size).toBeGreaterThan(10);
    for (const ms of spread) expect(ms).toBeGreaterThanOrEqual(3000), expect(ms).toBeLessThanOrEqual(5000);
  });
});
