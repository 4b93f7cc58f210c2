import { describe, expect, it } from 'vitest';
import { MAX_CLIENTS, VIEWER_WINDOW_MS, ViewerCount } from './ViewerCount.js';

describe('viewers of the HLS program', () => {
  it('a client polling the playlist is one viewer, however often it asks', () => {
    const v = new ViewerCount();
    for (let t = 0; t < 10_000; t += 2000) v.seen('10.0.0.1', 'Safari', t);
    v.seen('10.0.0.2', 'Chrome', 9000);
    v.seen('10.0.0.1', 'Firefox', 9000); // another browser on the same address
    expect(v.count(10_000)).toBe(3);
  });
  it('a client that stopped asking is no longer counted', () => {
    const v = new ViewerCount();
    v.seen('10.0.0.1', 'Safari', 0);
    v.seen('10.0.0.2', 'Chrome', 10_000);
    expect(v.count(VIEWER_WINDOW_MS + 1)).toBe(1);
    expect(v.count(10_000 + VIEWER_WINDOW_MS + 1)).toBe(0);
  });
  it('a flood of made-up clients is counted up to a bound, and those already counted stay counted', () => {
    const v = new ViewerCount();
    v.seen('10.0.0.1', 'Safari', 0);
    for (let i = 0; i < MAX_CLIENTS + 500; i++) v.seen('10.9.9.9', `bot ${i}`, 1);
    v.seen('10.0.0.1', 'Safari', 2);
    expect(v.count(3)).toBe(MAX_CLIENTS);
  });
});
