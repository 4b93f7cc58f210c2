import { describe, expect, it } from 'vitest';
import { captureConstraints, layerEncodings } from './quality';

describe('layerEncodings', () => {
  it('sends a quarter, a half and the full picture when the camera gives the chosen size', () => {
    const layers = layerEncodings({ height: 720, fps: 30 }, 720);
    expect(layers.map((l) => l.scaleResolutionDownBy)).toEqual([4, 2, 1]);
    expect(layers.map((l) => l.maxBitrate)).toEqual([200_000, 750_000, 2_500_000]);
    expect(layers.every((l) => l.maxFramerate === 30)).toBe(true);
  });
  it('below 540 lines sends two layers, the second at the full chosen height (the browser would drop a third)', () => {
    const layers = layerEncodings({ height: 360, fps: 30 }, 360);
    expect(layers.map((l) => [l.active, l.scaleResolutionDownBy])).toEqual([[true, 2], [true, 1], [false, 1]]);
    expect(layers[1]!.maxBitrate).toBe(800_000);
  });
  it('scales down in the encoder when the camera ignores a smaller capture size', () => {
    expect(layerEncodings({ height: 720, fps: 30 }, 1080).at(-1)!.scaleResolutionDownBy).toBe(1.5);
    const layers = layerEncodings({ height: 480, fps: 30 }, 720);
    expect(layers[1]!.scaleResolutionDownBy).toBe(1.5); // 720 → 480
    expect(layers[0]!.scaleResolutionDownBy).toBe(4); // 720 → 180 for the tile
  });
  it('never scales up a camera that gives less than asked', () => {
    expect(layerEncodings({ height: 1080, fps: 30 }, 720).at(-1)!.scaleResolutionDownBy).toBe(1);
  });
  it('spends less at a low frame rate', () => {
    expect(layerEncodings({ height: 720, fps: 15 }, 720).at(-1)).toMatchObject({ maxBitrate: 1_500_000, maxFramerate: 15 });
  });
});

describe('captureConstraints', () => {
  it('asks for 16:9 at the chosen height and frame rate', () => {
    expect(captureConstraints({ height: 1080, fps: 25 })).toEqual({ width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 25 } });
  });
});
