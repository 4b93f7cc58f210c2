// Capture quality → what the camera asks of its sensor and what each simulcast layer
// sends. Phones do not always honour a capture size, so the encoder scales down to
// the chosen height whatever the camera delivers: the choice always takes effect.
import type { CameraQuality } from '../../../shared/src/protocol';

export const QUALITY_CHOICES: CameraQuality[] = [
  { height: 1080, fps: 30 }, { height: 720, fps: 30 }, { height: 720, fps: 15 }, { height: 480, fps: 30 }, { height: 360, fps: 15 },
];

/** Bitrate of the full layer at 30 fps (H.264, talking heads to crowds at night). */
const TOP_BITRATE: Record<CameraQuality['height'], number> = { 1080: 4_500_000, 720: 2_500_000, 480: 1_200_000, 360: 800_000 };

export type LayerEncoding = { rid: string; scaleResolutionDownBy: number; maxBitrate: number; maxFramerate: number };

/**
 * Three layers: a quarter of the chosen height for the multiview, half, and the full
 * chosen height for the program. `sourceHeight`: what the camera really delivers.
 */
export function layerEncodings(quality: CameraQuality, sourceHeight: number): LayerEncoding[] {
  const scale = Math.max(1, sourceHeight / quality.height);
  const top = Math.round(TOP_BITRATE[quality.height] * (quality.fps >= 25 ? 1 : 0.6));
  return [
    { rid: 'r0', scaleResolutionDownBy: 4 * scale, maxBitrate: Math.min(200_000, Math.round(top / 8)), maxFramerate: quality.fps },
    { rid: 'r1', scaleResolutionDownBy: 2 * scale, maxBitrate: Math.round(top * 0.3), maxFramerate: quality.fps },
    { rid: 'r2', scaleResolutionDownBy: scale, maxBitrate: top, maxFramerate: quality.fps },
  ];
}

/** What to ask the camera for: the chosen height in 16:9, at the chosen frame rate. */
export function captureConstraints(quality: CameraQuality): MediaTrackConstraints {
  return { width: { ideal: Math.round((quality.height * 16) / 9) }, height: { ideal: quality.height }, frameRate: { ideal: quality.fps } };
}
