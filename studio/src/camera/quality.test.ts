import { describe, expect, it } from 'vitest';
import { captureConstraints, layerEncodings } from './quality';

describe('layerEncodings', () => {
  it('sends a quarter, a half and the full picture when the camera gives the chosen size', () => {
    const layers = layerEncodings({ height: 720, fps: 30 }, 720);
    expect(layers.map((l) => l.scaleResolutionDownBy)).toEqual([4, 2, 1]);
    expect(layers.map((l) => l.maxBitrate)).toEqual([200_000, 750_000, 2_500_000]);
    expect(layers.every((l) => l.maxFramerate === 30)).toBe(true);
  });
  it('scales down in the encoder when the camera ignores a smaller capture size', () => {
    const layers = layerEncodings({ height: 480, fps: 30 }, 720);
    expect(layers.at(-1)!.scaleResolutionDownBy).toBe(1.5); // 720 → 480
    expect(layers[0]!.scaleResolutionDownBy).toBe(6);
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
