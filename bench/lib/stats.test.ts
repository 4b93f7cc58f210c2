import { describe, expect, it } from 'vitest';
import { fitLine, percentile, summarize } from './stats.js';

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
  it('a fitted line: the cost per unit through noisy samples, none without two distinct x', () => {
    const fit = fitLine([{ x: 0, y: 30 }, { x: 10, y: 31.2 }, { x: 50, y: 34.8 }, { x: 100, y: 40.1 }]);
    expect(fit!.slope).toBeCloseTo(0.1, 2);
    expect(fit!.intercept).toBeCloseTo(30, 0);
    expect(fitLine([{ x: 5, y: 1 }, { x: 5, y: 2 }])).toBeUndefined();
    expect(fitLine([{ x: 5, y: 1 }])).toBeUndefined();
  });
});
