// What a <video> element decodes: its picture size, and its frame rate from the frames
// it decoded each second. An encoder (WHIP, SRT) reports nothing about itself, as a
// camera page does: for one that sends a single layer, this is what it sends.
import { useEffect, useState, type RefObject } from 'react';

export type DecodedFormat = { width: number; height: number; fps: number };

/** Read while `track` plays in the element (a new track starts the count again). */
export function useDecodedFormat(ref: RefObject<HTMLVideoElement | null>, track: MediaStreamTrack | undefined): DecodedFormat | undefined {
  const [format, setFormat] = useState<DecodedFormat>();
  useEffect(() => {
    setFormat(undefined);
    const el = ref.current;
    if (!track || !el || typeof el.getVideoPlaybackQuality !== 'function') return;
    const decoded = () => el.getVideoPlaybackQuality().totalVideoFrames;
    let last = { at: performance.now(), frames: decoded() };
    const timer = setInterval(() => {
      const now = { at: performance.now(), frames: decoded() };
      const fps = ((now.frames - last.frames) * 1000) / (now.at - last.at);
      last = now;
      if (fps < 0) return; // the element started again: counted from the next reading
      setFormat((f) => (f && f.width === el.videoWidth && f.height === el.videoHeight && Math.round(f.fps) === Math.round(fps)
        ? f : { width: el.videoWidth, height: el.videoHeight, fps }));
    }, 1000);
    return () => clearInterval(timer);
  }, [ref, track]);
  return format;
}
