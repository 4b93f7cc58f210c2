// How the multiview fills its space: for n tiles of 16:9 in a box, the number of
// columns that gives the largest tiles with every tile in view (1–16 cameras). Pure,
// so it is unit-tested; the component measures the box and asks.

export type Grid = { columns: number; tileWidth: number };

/** `gap` between tiles and around them, px. */
export function bestGrid(tiles: number, width: number, height: number, gap = 8): Grid {
  const n = Math.max(1, tiles);
  let best: Grid = { columns: 1, tileWidth: 0 };
  for (let columns = 1; columns <= n; columns++) {
    const rows = Math.ceil(n / columns);
    const byWidth = (width - gap * (columns + 1)) / columns;
    const byHeight = ((height - gap * (rows + 1)) / rows) * (16 / 9);
    const tileWidth = Math.floor(Math.min(byWidth, byHeight));
    if (tileWidth > best.tileWidth) best = { columns, tileWidth };
  }
  // Never smaller than a tile can be read at: below that, the grid scrolls instead.
  const MIN = 200;
  if (best.tileWidth < MIN) {
    const columns = Math.max(1, Math.floor((width - gap) / (MIN + gap)));
    return { columns, tileWidth: Math.floor((width - gap * (columns + 1)) / columns) };
  }
  return best;
}
