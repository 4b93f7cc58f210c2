import { describe, expect, it } from 'vitest';
import { bestGrid } from './multiviewGrid';

describe('bestGrid', () => {
  it('gives three cameras at 1440×900 (a 1088×520 multiview) two columns of large tiles', () => {
    expect(bestGrid(3, 1088, 520)).toEqual({ columns: 2, tileWidth: 440 }); // (340 px in 3 columns before)
  });
  it('fills a wide box with one row, a tall one with one column', () => {
    expect(bestGrid(2, 2000, 400).columns).toBe(2);
    expect(bestGrid(2, 500, 2000).columns).toBe(1);
  });
  it('keeps every tile in view from 1 to 16 cameras on a 1088×520 box', () => {
    for (let n = 1; n <= 16; n++) {
      const { columns, tileWidth } = bestGrid(n, 1088, 520);
      const rows = Math.ceil(n / columns);
      expect(columns * tileWidth + 8 * (columns + 1), `${n} wide`).toBeLessThanOrEqual(1088);
      expect(rows * (tileWidth * 9 / 16) + 8 * (rows + 1), `${n} tall`).toBeLessThanOrEqual(520);
    }
  });
  it('scrolls rather than shrinking tiles below what can be read', () => {
    expect(bestGrid(16, 600, 200).tileWidth).toBeGreaterThanOrEqual(200);
  });
});
