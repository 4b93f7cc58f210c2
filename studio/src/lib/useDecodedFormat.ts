// What a <video> element decodes: its picture size, and its frame rate from the frames
// it decoded each second. An encoder (WHIP, SRT) reports nothing about itself, as a
// camera page does, and sends one layer — so for it, this is what it sends.
import { useEffect, useState, type RefObject } from 'react';

export type DecodedFormat = { width: number; height: number; fps: number };

export function useDecodedFormat(ref: RefObject<HTMLVideoElement | null>, on: boolean): DecodedFormat | undefined {
  const [format, setFormat] = useState<DecodedFormat>();
  useEffect(() => {
    const el = ref.current;
    if (!on || !el) return setFormat(undefined);
    let last = { at: performance.now(), frames: el.getVideoPlaybackQuality().totalVideoFrames };
    const timer = setInterval(() => {
      const now = { at: performance.now(), frames: el.getVideoPlaybackQuality().totalVideoFrames };
      const fps = ((now.frames - last.frames) * 1000) / (now.at - last.at);
      last = now;
      setFormat((f) => (f && f.width === el.videoWidth && f.height === el.videoHeight && Math.round(f.fps) === Math.round(fps)
        ? f : { width: el.videoWidth, height: el.videoHeight, fps }));
    }, 1000);
    return () => clearInterval(timer);
  }, [ref, on]);
  return format;
}
