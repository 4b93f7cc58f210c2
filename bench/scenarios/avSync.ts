// 11. A/V offset at the receiver: one camera that flashes white and beeps at the same
// instant once a second, on air and live to an nginx-rtmp receiver; the receiver's
// stream read for when each flash and each beep begins (bench/lib/AvProbe.ts). Today's
// path (the camera's RTP spliced into the program encoder, REGIE_MIXER=off) and the
// program mixer's, one show each, in the same run. The camera's own recording of what
// it made (MediaRecorder in its page) is read the same way: the offset the camera
// itself starts with, which no server can remove.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { BenchContext } from '../context.js';
import { pairOffsets, readAvOnsets } from '../lib/AvProbe.js';
import { BenchShow } from '../lib/show.js';
import { summarize, type Summary } from '../lib/stats.js';

export type AvPath = {
  path: 'splice' | 'mixer';
  /** sound after picture, ms (negative: sound first), one per flash */
  offset: Summary;
  /** |offset|, ms: the goal is ≤ 40 ms p95 */
  absOffset: Summary;
  /** the same camera's own recording of what it sent */
  atCamera: Summary;
  samples: number[];
  cameraSamples: number[];
};
export type AvSyncResult = { paths: AvPath[] };

/** `seconds` of what the camera page itself makes, recorded there, read like a receiver. */
async function recordAtCamera(page: Page, seconds: number): Promise<number[]> {
  const b64 = await page.evaluate(async (ms) => {
    const stream = (window as unknown as { __regieCameraStream?: MediaStream }).__regieCameraStream;
    if (!stream) throw new Error('the fake camera kept no stream');
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus' });
    const parts: Blob[] = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    const stopped = new Promise((r) => { rec.onstop = r; });
    rec.start();
    await new Promise((r) => setTimeout(r, ms));
    rec.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, seconds * 1000);
  const dir = mkdtempSync(join(tmpdir(), 'regie-av-camera-'));
  try {
    const file = join(dir, 'camera.webm');
    writeFileSync(file, Buffer.from(b64, 'base64'));
    return pairOffsets(await readAvOnsets(file, seconds));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onePath(ctx: BenchContext, path: AvPath['path']): Promise<AvPath> {
  const seconds = ctx.quick ? 8 : 30;
  const show = await BenchShow.open({ REGIE_MIXER: path === 'mixer' ? 'on' : 'off' });
  try {
    ctx.progress(`av-sync (${path}): a camera that flashes and beeps, live to one receiver`);
    const cam = await show.addCamera({ flash: true });
    await show.cut(cam.slotId);
    await show.goLive(1, { probes: false });
    // (Read from the receiver's first picture on: a flash or a beep cut off at the start
    // has no partner, and pairOffsets leaves it out.)
    const url = `${show.receivers[0]!.url(false)}/bench-0`;
    ctx.progress(`av-sync (${path}): reading ${seconds} s at the receiver and at the camera`);
    // One after the other: recording in the camera page while the receiver is read
    // would load the camera the measurement depends on.
    const samples = pairOffsets(await readAvOnsets(url, seconds));
    const cameraSamples = await recordAtCamera(cam.page, ctx.quick ? 5 : 10);
    return {
      path, samples, cameraSamples,
      offset: summarize(samples), absOffset: summarize(samples.map(Math.abs)), atCamera: summarize(cameraSamples),
    };
  } finally {
    await show.close();
  }
}

export async function avSync(ctx: BenchContext): Promise<AvSyncResult> {
  return { paths: [await onePath(ctx, 'splice'), await onePath(ctx, 'mixer')] };
}
