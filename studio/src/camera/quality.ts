// Capture quality → what the camera asks of its sensor and what each simulcast layer
// sends. Phones do not always honour a capture size, so the encoder scales down to
// the chosen height whatever the camera delivers: the choice always takes effect.
import type { CameraQuality } from '../../../shared/src/protocol';

export const QUALITY_CHOICES: CameraQuality[] = [
  { height: 1080, fps: 30 }, { height: 720, fps: 30 }, { height: 720, fps: 15 }, { height: 480, fps: 30 }, { height: 360, fps: 15 },
];

/** Bitrate of the full layer at 30 fps (H.264, talking heads to crowds at night). */
const TOP_BITRATE: Record<CameraQuality['height'], number> = { 1080: 4_500_000, 720: 2_500_000, 480: 1_200_000, 360: 800_000 };

export type LayerEncoding = { rid: string; active: boolean; scaleResolutionDownBy: number; maxBitrate: number; maxFramerate: number };

/** the multiview tile's layer is about this tall */
const TILE_HEIGHT = 180;

/**
 * Three encodings (the producer keeps its three rids for life). From 540 lines up: a
 * quarter for the multiview, a half, and the full chosen height for the program.
 * Below that the browser sends at most two layers (libwebrtc limits simulcast by
 * resolution, dropping the top one), so the second is the full picture and the third
 * is switched off: the program always gets the chosen height.
 * `sourceHeight`: what the camera really delivers (the encoder scales down to the choice).
 */
export function layerEncodings(quality: CameraQuality, sourceHeight: number): LayerEncoding[] {
  const scale = Math.max(1, sourceHeight / quality.height);
  const top = Math.round(TOP_BITRATE[quality.height] * (quality.fps >= 25 ? 1 : 0.6));
  const fps = quality.fps;
  const tile = Math.min(200_000, Math.round(top / 8));
  if (quality.height >= 540) {
    return [
      { rid: 'r0', active: true, scaleResolutionDownBy: 4 * scale, maxBitrate: tile, maxFramerate: fps },
      { rid: 'r1', active: true, scaleResolutionDownBy: 2 * scale, maxBitrate: Math.round(top * 0.3), maxFramerate: fps },
      { rid: 'r2', active: true, scaleResolutionDownBy: scale, maxBitrate: top, maxFramerate: fps },
    ];
  }
  return [
    { rid: 'r0', active: true, scaleResolutionDownBy: (quality.height / TILE_HEIGHT) * scale, maxBitrate: tile, maxFramerate: fps },
    { rid: 'r1', active: true, scaleResolutionDownBy: scale, maxBitrate: top, maxFramerate: fps },
    { rid: 'r2', active: false, scaleResolutionDownBy: scale, maxBitrate: top, maxFramerate: fps },
  ];
}

/** What to ask the camera for: the chosen height in 16:9, at the chosen frame rate. */
export function captureConstraints(quality: CameraQuality): MediaTrackConstraints {
  return { width: { ideal: Math.round((quality.height * 16) / 9) }, height: { ideal: quality.height }, frameRate: { ideal: quality.fps } };
}
