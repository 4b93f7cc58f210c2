// 1. Cut latency and 2. glass-to-glass latency: two clock cameras on air in turn, one
// RTMP receiver read frame by frame, the director's studio page open, and the two watch
// pages a viewer would open — low latency (WHEP) and HLS — read the same way, each on
// its own after the others: reading every frame of four videos at once starves two
// cores, and the receiver's probe then falls seconds behind what it measures. First the
// same receiver and cuts through today's path (the camera spliced, REGIE_MIXER=off), in
// a show of its own, as the baseline the mixer's figures sit beside.
import type { Page } from 'playwright-core';
import { newContext } from '../../testkit/browser.js';
import { captureTime, readClock } from '../../testkit/frameClock.js';
import { waitForMonitorColour } from '../../testkit/studio.js';
import { BenchShow, type BenchCamera } from '../lib/show.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { ClockProbe } from '../lib/ClockProbe.js';
import type { BenchContext } from '../context.js';

export type LatencyResult = {
  glassToGlass: {
    receiver: Summary; multiview: Summary; programMonitor: Summary; whep: Summary; hls: Summary;
    samples: { receiver: number[]; multiview: number[]; programMonitor: number[]; whep: number[]; hls: number[] };
  };
  /** cuts to the camera in preview, as a director makes them */
  cuts: {
    n: number;
    /** cut asked → first frame of the new camera decoded at the receiver */
    toReceiver: Summary;
    /** the same minus the steady pipeline delay (receiver glass-to-glass p50) */
    toReceiverNet: Summary;
    /** cut asked (director socket) → the switch at the SFU (first program packet of the new source) */
    toSfu: Summary;
    /** inside the SFU: keyframe asked → keyframe arrived from the browser (the floor) */
    keyframeWait: Summary;
    /** how old the first new frame was when it reached the receiver (pipeline after the switch) */
    firstFramePipeline: Summary;
    samples: CutSample[];
  };
  /** cuts to a camera the mixer was not decoding: it is brought in, its keyframe waited for */
  coldCuts: { n: number; toReceiverNet: Summary; keyframeWait: Summary; samples: CutSample[] };
  /** the same receiver and cuts through the splice (REGIE_MIXER=off), in this run */
  splice?: SteadyAndCuts;
};

type SteadyAndCuts = {
  receiver: Summary; toReceiver: Summary; toReceiverNet: Summary;
  samples: { receiver: number[]; cuts: CutSample[] };
};

type CutSample = { toReceiver: number; toSfu?: number; keyframeWait?: number; firstFramePipeline?: number };

/**
 * Glass-to-glass in a page: every frame of a video element, read for its clock, for
 * `ms` from the first frame whose clock reads (a player just started may show nothing
 * readable for a while on a loaded machine: the window starts on that event, within
 * 30 s, not at a guess).
 */
async function pageGlassToGlass(page: Page, selector: string, ms: number): Promise<number[]> {
  // tsx names nested functions with a helper the page does not have: give it one.
  await page.evaluate('globalThis.__name ??= (f) => f');
  return page.evaluate(async ([sel, duration, readSrc, captureSrc]) => {
    const read = new Function(`return (${readSrc})`)() as (l: (x: number, y: number) => number, w: number, h: number) => number;
    const capture = new Function(`return (${captureSrc})`)() as (c: number, now: number) => number;
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (!video) return [];
    const w = 192, h = 108;
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const out: number[] = [];
    let end: number | undefined;
    await new Promise<void>((resolve) => {
      let stall: ReturnType<typeof setTimeout> | undefined;
      const onFrame = () => {
        const now = Date.now();
        ctx.drawImage(video, 0, 0, w, h);
        const px = ctx.getImageData(0, 0, w, h).data;
        const clock = read((x, y) => { const i = (y * w + x) * 4; return (px[i]! + px[i + 1]! + px[i + 2]!) / 3; }, w, h);
        if (clock >= 0) {
          if (end === undefined) { // the first readable frame: the window starts
            end = performance.now() + duration;
            clearTimeout(stall);
            stall = setTimeout(resolve, duration + 3000); // a video that stopped delivering frames
          }
          out.push(now - capture(clock, now));
        }
        if (end === undefined || performance.now() < end) video.requestVideoFrameCallback(onFrame); else resolve();
      };
      video.requestVideoFrameCallback(onFrame);
      stall = setTimeout(resolve, 30000); // nothing readable at all
    });
    return out;
  }, [selector, ms, readClock.toString(), captureTime.toString()] as const);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A show with two clock cameras, the first on air and live to one receiver, settled. */
async function openShow(ctx: BenchContext, env: Record<string, string>, what: string): Promise<{ show: BenchShow; a: BenchCamera; b: BenchCamera; probe: ClockProbe }> {
  const show = await BenchShow.open(env);
  try {
    ctx.progress(`${what}: two clock cameras, one RTMP receiver`);
    const a = await show.addCamera();
    const b = await show.addCamera();
    ctx.progress(`${what}: cameras live; going live`);
    await show.cut(a.slotId);
    await show.goLive(1);
    await show.ensureOnAir(a);
    await sleep(3000); // settle
    await show.ensureOnAir(a);
    return { show, a, b, probe: show.probes[0]! };
  } catch (err) {
    await show.close();
    throw err;
  }
}

/**
 * Glass-to-glass at the receiver over `ms`, nothing else read meanwhile: reading a page's
 * video frames (a software copy of each picture, 60 a second for the director's two
 * monitors) takes CPU from the program path on these two cores, where a real director's
 * browser is on another machine. The cuts are timed the same way.
 */
async function receiverGlassToGlass(probe: ClockProbe, ms: number): Promise<number[]> {
  const from = Date.now();
  await sleep(ms); // (the probe reads every frame meanwhile)
  return probe.between(from, Date.now()).filter((f) => f.capturedAt !== undefined).map((f) => f.at - f.capturedAt!);
}

/** A cut to that camera, timed: asked → its first frame at the receiver, and what the server says of it. */
async function timedCut(show: BenchShow, probe: ClockProbe, next: BenchCamera): Promise<CutSample> {
  const at = await show.cut(next.slotId);
  const frame = await probe.firstAfter(at, next.colour, 15000);
  const log = await show.onAirLine(at - 5, next.slotId);
  return {
    toReceiver: frame.at - at,
    toSfu: log ? (log.time as number) - at : undefined,
    keyframeWait: log?.keyframeWaitMs as number | undefined,
    firstFramePipeline: frame.capturedAt !== undefined ? frame.at - frame.capturedAt : undefined,
  };
}

const windowMs = (ctx: BenchContext) => (ctx.quick ? 4000 : 15000);
const cutCount = (ctx: BenchContext) => (ctx.quick ? 3 : 20);
const betweenCutsMs = (ctx: BenchContext) => (ctx.quick ? 1000 : 2500);

/** Today's path, the baseline: the on-air camera's RTP spliced into the program encoder. */
async function splicePath(ctx: BenchContext): Promise<SteadyAndCuts> {
  const { show, a, b, probe } = await openShow(ctx, { REGIE_MIXER: 'off' }, 'latency, splice');
  try {
    ctx.progress('latency, splice: glass-to-glass at the receiver');
    const receiver = await receiverGlassToGlass(probe, windowMs(ctx));
    const steady = summarize(receiver).p50 ?? 0;
    const cuts: CutSample[] = [];
    for (let i = 0; i < cutCount(ctx); i++) {
      const next = i % 2 === 0 ? b : a;
      ctx.progress(`latency, splice: cut ${i + 1}/${cutCount(ctx)} to ${next.name}`);
      cuts.push(await timedCut(show, probe, next));
      await sleep(betweenCutsMs(ctx));
    }
    return {
      receiver: summarize(receiver), toReceiver: summarize(cuts.map((c) => c.toReceiver)),
      toReceiverNet: summarize(cuts.map((c) => c.toReceiver - steady)), samples: { receiver, cuts },
    };
  } finally {
    await show.close();
  }
}

export async function latency(ctx: BenchContext): Promise<LatencyResult> {
  const splice = await splicePath(ctx);
  const { show, a, b, probe } = await openShow(ctx, {}, 'latency');
  try {
    const window = windowMs(ctx);
    ctx.progress('latency: glass-to-glass at the receiver');
    const receiver = await receiverGlassToGlass(probe, window);
    const steady = summarize(receiver).p50 ?? 0;
    ctx.progress('latency: glass-to-glass at the director\'s multiview and program monitor');
    const [multiview, programMonitor] = await Promise.all([
      pageGlassToGlass(show.director, `[data-testid="camera-tile"][data-slot-id="${a.slotId}"] video`, window),
      pageGlassToGlass(show.director, '[data-testid="program-monitor"] video', window),
    ]);
    // The watch pages, as viewers open them: each plays before it is measured, and one at a
    // time: with the program mixer composing on the same two cores, reading both pages'
    // frames at once starved the WHEP page's renderer (0.9 s behind, or no frame read).
    ctx.progress('latency: glass-to-glass at the watch pages (WHEP, then HLS)');
    const playing = (page: Page, selector: string) => page.waitForFunction(
      (sel) => { const v = document.querySelector<HTMLVideoElement>(sel); return Boolean(v && v.readyState >= 2 && !v.paused); }, selector, { timeout: 40000 });
    const watch = async (path: string, selector: string) => {
      const page = await (await newContext(show.browser)).newPage();
      try {
        await page.goto(`${show.server.url}${path}`);
        await playing(page, selector);
        return await pageGlassToGlass(page, selector, window);
      } finally {
        await page.context().close();
      }
    };
    const whep = await watch('/watch?low-latency', '[data-testid="watch-video"][data-player="whep"]');
    const hls = await watch('/watch', '[data-testid="watch-video"]');

    // Cuts as a director makes them, to the preview: the next camera put in preview and
    // seen there first (the mixer decodes what is in preview). A cut puts what was on air
    // in preview, still decoded: every cut after the first is to the preview too.
    ctx.progress(`latency: ${b.name} in preview`);
    await show.request('switcher:preview', { sourceId: b.slotId });
    await waitForMonitorColour(show.director, 'preview', b.colour, 15000);
    await sleep(betweenCutsMs(ctx)); // (as between cuts)
    let onAir = a;
    const samples: CutSample[] = [];
    for (let i = 0; i < cutCount(ctx); i++) {
      const next = onAir === a ? b : a;
      ctx.progress(`latency: cut ${i + 1}/${cutCount(ctx)} to ${next.name}`);
      samples.push(await timedCut(show, probe, next));
      onAir = next;
      await sleep(betweenCutsMs(ctx));
    }
    // A cut to a source the mixer does not decode (neither on air, in preview, nor under
    // the slate): the slate put in preview lets go of the camera in preview at once
    // (before the request is answered), then a cut to that camera brings it back in and
    // waits for its keyframe.
    const coldCount = ctx.quick ? 1 : 5;
    const cold: CutSample[] = [];
    for (let i = 0; i < coldCount; i++) {
      const next = onAir === a ? b : a;
      ctx.progress(`latency: cut ${i + 1}/${coldCount} to a camera not decoded (${next.name})`);
      await show.request('switcher:preview', { sourceId: 'slate' });
      cold.push(await timedCut(show, probe, next));
      onAir = next;
      await sleep(betweenCutsMs(ctx));
    }
    const pick = (k: keyof CutSample, from = samples) => from.map((s) => s[k]).filter((v): v is number => v !== undefined);
    return {
      glassToGlass: {
        receiver: summarize(receiver), multiview: summarize(multiview), programMonitor: summarize(programMonitor),
        whep: summarize(whep), hls: summarize(hls),
        samples: { receiver, multiview, programMonitor, whep, hls },
      },
      cuts: {
        n: samples.length,
        toReceiver: summarize(pick('toReceiver')),
        toReceiverNet: summarize(pick('toReceiver').map((v) => v - steady)),
        toSfu: summarize(pick('toSfu')),
        keyframeWait: summarize(pick('keyframeWait')),
        firstFramePipeline: summarize(pick('firstFramePipeline')),
        samples,
      },
      coldCuts: {
        n: cold.length,
        toReceiverNet: summarize(pick('toReceiver', cold).map((v) => v - steady)),
        keyframeWait: summarize(pick('keyframeWait', cold)),
        samples: cold,
      },
      splice,
    };
  } finally {
    await show.close();
  }
}
