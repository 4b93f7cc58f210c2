// A clock drawn into every camera frame, readable after any encode, scale or decode:
// a band of 24 large blocks near the bottom of the picture. Block 0 is always white,
// block 23 always black (they say "this frame carries a clock" and set the threshold);
// blocks 1–22 are the capture time in milliseconds modulo 2^22 (about 70 minutes),
// most significant bit first. Big blocks survive H.264 at 180p; one machine, one clock.
//
// The functions below are also sent into browser pages as source text (drawClock in
// the fake cameras, readClock in the director page), so they stay self-contained:
// no imports, no helpers, no nested functions.

export const CLOCK_MODULO = 2 ** 22;

/** Paints the clock for `ms` into a canvas 2D context of width w and height h. */
export function drawClock(ctx: { fillStyle: unknown; fillRect: (x: number, y: number, w: number, h: number) => void }, w: number, h: number, ms: number): void {
  const blocks = 24;
  const top = Math.round(h * 0.8);
  const height = Math.round(h * 0.14);
  const value = Math.floor(ms) % 4194304;
  for (let i = 0; i < blocks; i++) {
    let white: boolean;
    if (i === 0) white = true;
    else if (i === blocks - 1) white = false;
    else white = ((value >> (22 - i)) & 1) === 1;
    ctx.fillStyle = white ? '#ffffff' : '#000000';
    ctx.fillRect(Math.floor((i * w) / blocks), top, Math.ceil(w / blocks), height);
  }
}

/**
 * Reads the clock from a frame through `luma(x, y)` (0–255). Returns the time modulo
 * 2^22, or -1 when the frame carries no readable clock (the slate, a frame in transition).
 */
export function readClock(luma: (x: number, y: number) => number, w: number, h: number): number {
  const blocks = 24;
  const y = Math.round(h * 0.87);
  let value = 0;
  const bw = w / blocks;
  // Average a small patch in the middle of each block: edges blur under compression.
  const levels: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const cx = Math.floor(i * bw + bw / 2);
    let sum = 0;
    let n = 0;
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) { sum += luma(cx + dx, y + dy); n++; }
    levels.push(sum / n);
  }
  const white = levels[0]!;
  const black = levels[blocks - 1]!;
  if (white - black < 100) return -1;
  const threshold = (white + black) / 2;
  for (let i = 1; i < blocks - 1; i++) value = value * 2 + (levels[i]! > threshold ? 1 : 0);
  return value;
}

/** The full capture time of a clock read at `nowMs` (the clock is at most 70 minutes behind). */
export function captureTime(clock: number, nowMs: number): number {
  const modulo = 4194304; // CLOCK_MODULO, written out: this function is also sent into pages
  const behind = (((Math.floor(nowMs) % modulo) - clock) % modulo + modulo) % modulo;
  return Math.floor(nowMs) - behind;
}
