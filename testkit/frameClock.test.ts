// The frame clock read back after what a picture goes through (sizes, soft levels, noise),
// and self-contained enough to be sent into a page as source text.
import { describe, expect, it } from 'vitest';
import { captureTime, CLOCK_MODULO, drawClock, readClock } from './frameClock.js';

/** A grey-level frame that drawClock can paint into, as a canvas would. */
function frame(w: number, h: number, background = 200) {
  const px = new Uint8Array(w * h).fill(background);
  const ctx = {
    fillStyle: '#000000' as unknown,
    fillRect(x: number, y: number, fw: number, fh: number) {
      const v = this.fillStyle === '#ffffff' ? 255 : 0;
      for (let yy = y; yy < Math.min(h, y + fh); yy++) for (let xx = x; xx < Math.min(w, x + fw); xx++) px[yy * w + xx] = v;
    },
  };
  return { ctx, luma: (x: number, y: number) => px[y * w + x]! , px };
}

describe('frame clock', () => {
  it('reads back what was drawn, at program size and at multiview size', () => {
    for (const [w, h] of [[1280, 720], [320, 180], [192, 108]] as const) {
      for (const ms of [0, 1, 1_732_000_123_456, 4_194_303, 987_654_321]) {
        const f = frame(w, h);
        drawClock(f.ctx, w, h, ms);
        expect(readClock(f.luma, w, h)).toBe(ms % CLOCK_MODULO);
      }
    }
  });

  it('survives noise and soft levels (compression)', () => {
    const w = 192, h = 108;
    const f = frame(w, h);
    drawClock(f.ctx, w, h, 3_000_001);
    // Squash the levels to 40..210 and add ±20 of noise.
    let seed = 7;
    for (let i = 0; i < f.px.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      f.px[i] = Math.max(0, Math.min(255, 40 + (f.px[i]! * 170) / 255 + ((seed % 41) - 20)));
    }
    expect(readClock(f.luma, w, h)).toBe(3_000_001);
  });

  it('says -1 for a frame without a clock (the slate, a flat colour)', () => {
    const f = frame(320, 180, 60);
    expect(readClock(f.luma, 320, 180)).toBe(-1);
  });

  it('turns a clock back into the full capture time', () => {
    const now = 1_732_000_123_456;
    expect(captureTime((now - 250) % CLOCK_MODULO, now)).toBe(now - 250);
    // Across the wrap of the modulo.
    const wrapNow = CLOCK_MODULO * 1000 + 100;
    expect(captureTime((wrapNow - 300 + CLOCK_MODULO) % CLOCK_MODULO, wrapNow)).toBe(wrapNow - 300);
  });

  it('is self-contained, so it can be sent into a page as source text', () => {
    for (const fn of [drawClock, readClock, captureTime]) {
      // eslint-disable-next-line no-new-func
      const revived = new Function(`return (${fn.toString()})`)() as typeof fn;
      expect(typeof revived).toBe('function');
    }
    const f = frame(320, 180);
    const draw = new Function(`return (${drawClock.toString()})`)() as typeof drawClock;
    const read = new Function(`return (${readClock.toString()})`)() as typeof readClock;
    draw(f.ctx, 320, 180, 123456);
    expect(read(f.luma, 320, 180)).toBe(123456);
    const capture = new Function(`return (${captureTime.toString()})`)() as typeof captureTime;
    expect(capture(123456, 4194304 * 3 + 123456 + 40)).toBe(4194304 * 3 + 123456);
  });
});
