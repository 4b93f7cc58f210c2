import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.js';

describe('stats', () => {
  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(10);
    expect(percentile(v, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
  it('summaries ignore non-numbers and say how many samples they hold', () => {
    expect(summarize([3, Number.NaN, 1, 2])).toMatchObject({ n: 3, p50: 2, min: 1, max: 3, mean: 2 });
    expect(summarize([])).toEqual({ n: 0 });
  });
});
