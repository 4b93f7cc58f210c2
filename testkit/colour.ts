// Which camera a picture shows, from its colour: each fake camera has its own, the
// slate its dark grey-blue. Read from a video element's centre pixel in a page, or from
// any RGB a decoder gives.
import type { Page } from 'playwright-core';

export type Colour = 'red' | 'blue' | 'green' | 'slate' | 'other';
export function classify(rgb: [number, number, number] | null): Colour | null {
  if (!rgb) return null;
  const [r, g, b] = rgb;
  if (r > 150 && g < 90 && b < 90) return 'red';
  if (b > 150 && r < 90 && g < 90) return 'blue';
  if (g > 150 && r < 90 && b < 90) return 'green';
  // The built-in slate is dark grey-blue (centre band #2a2f3a, whole-frame average
  // #1b1f25, shifted a little by each encode); black (a player with no picture) is not it.
  const hi = Math.max(r, g, b);
  if (hi >= 20 && hi <= 85 && hi - Math.min(r, g, b) <= 25) return 'slate';
  return 'other';
}

/** A pixel of a video element in the page (`at`: in fractions of its width and height; the centre by default), or null before a frame arrived. */
export async function videoColor(page: Page, videoSelector: string, at = { x: 0.5, y: 0.5 }): Promise<[number, number, number] | null> {
  return page.evaluate(([selector, at]) => {
    const video = document.querySelector<HTMLVideoElement>(selector);
    if (!video || video.videoWidth === 0 || video.readyState < 2) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    const d = ctx.getImageData(Math.floor(canvas.width * at.x), Math.floor(canvas.height * at.y), 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, [videoSelector, at] as const);
}
