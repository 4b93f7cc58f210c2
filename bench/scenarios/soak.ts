// 7. Long shows hold (`--soak`): a show runs for an hour (3 minutes with --quick), live
// to a receiver, with cuts between a quiet camera (a still 640x360 picture: few RTP
// packets a second) and a busy one (720p: many), each staying on air long enough for
// every 16-bit sequence counter on the program path to wrap more than once. Per
// minute: program frames decoded at the receiver; over the run: encoder restarts, the
// longest gap between frames, slate fallbacks, destination reconnects. The goal is no
// gap and no restart. (A show that died after 11 minutes of a quiet camera is why.)
import { BenchShow, type BenchCamera } from '../lib/show.js';
import type { BenchContext } from '../context.js';

export type SoakResult = {
  minutes: number;
  outputSize: string;
  /** who was on air when, from the start (s) */
  schedule: { atSecond: number; camera: string }[];
  framesPerMinute: number[];
  /** frames of the program expected per minute (output frame rate × 60) */
  expectedPerMinute: number;
  longestGapMs: number;
  encoderRestarts: { atSecond: number; reason: string }[];
  slateFallbacks: { atSecond: number; reason: string }[];
  reconnects: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FPS = 30;

export async function soak(ctx: BenchContext): Promise<SoakResult> {
  const minutes = ctx.quick ? 3 : 60;
  const show = await BenchShow.open({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1000', REGIE_OUTPUT_FPS: String(FPS) });
  try {
    const quiet = await show.addCamera({ width: 640, height: 360 });
    const busy = await show.addCamera({ width: 1280, height: 720 });
    const [destination] = await show.goLive(1);
    await show.ensureOnAir(quiet);
    // The count starts with the first frame drawn once the show is ready: a player that
    // joins a receiver is first handed what it buffered, older frames in a burst (26–46
    // of them were counted as extra in the first minute before this).
    const ready = Date.now();
    const start = (await show.probes[0]!.first('a camera frame drawn once the show was ready', (f) => (f.capturedAt ?? 0) >= ready, 10000)).at;
    const at = () => Math.round((Date.now() - start) / 100) / 10;
    const schedule: SoakResult['schedule'] = [];
    const onAir = async (cam: BenchCamera) => {
      await show.ensureOnAir(cam);
      schedule.push({ atSecond: at(), camera: `${cam.name} (${cam === quiet ? 'quiet' : 'busy'})` });
      ctx.progress(`soak: ${cam.name} on air at ${at()} s`);
    };
    // Long stretches on one camera (a wrap needs 65,536 packets after a cut), short ones between.
    const plan: [BenchCamera, number][] = ctx.quick
      ? [[quiet, 0.5], [busy, 0.5], [quiet, 2]]
      : [[quiet, 15], [busy, 1], [busy, 14], [quiet, 1], [quiet, 14], [busy, 15]];
    schedule.push({ atSecond: 0, camera: `${quiet.name} (quiet)` });
    for (const [i, [cam, mins]] of plan.entries()) {
      if (i > 0) await onAir(cam);
      const until = Math.min(start + minutes * 60_000, Date.now() + mins * 60_000);
      while (Date.now() < until) {
        await sleep(Math.min(60_000, until - Date.now()));
        const last = show.probes[0]!.frames.at(-1);
        ctx.progress(`soak: ${at()} s, last frame at the receiver ${last ? `${Date.now() - last.at} ms ago (${last.colour})` : 'never'}`);
      }
      if (Date.now() >= start + minutes * 60_000) break;
    }
    const end = start + minutes * 60_000;
    const frames = show.probes[0]!.between(start, end).filter((f) => f.colour !== 'other');
    const framesPerMinute = Array.from({ length: minutes }, (_, m) => frames.filter((f) => f.at >= start + m * 60_000 && f.at < start + (m + 1) * 60_000).length);
    let longestGapMs = 0;
    for (let i = 1, prev = start; i <= frames.length; i++) {
      const t = i < frames.length ? frames[i]!.at : end;
      longestGapMs = Math.max(longestGapMs, t - prev);
      prev = t;
    }
    const logs = show.server.logLines().filter((l) => (l.time as number) >= start && (l.time as number) <= end);
    const sinceStart = (l: Record<string, unknown>) => Math.round(((l.time as number) - start) / 100) / 10;
    return {
      minutes,
      outputSize: '640x360',
      schedule,
      framesPerMinute,
      expectedPerMinute: FPS * 60,
      longestGapMs,
      encoderRestarts: logs.filter((l) => l.msg === 'program encoder stopped; restarting it').map((l) => ({ atSecond: sinceStart(l), reason: String(l.reason) })),
      slateFallbacks: logs.filter((l) => l.msg === 'on-air source stalled; slate on air').map((l) => ({ atSecond: sinceStart(l), reason: String(l.reason) })),
      reconnects: show.state?.destinations?.find((d) => d.id === destination)?.reconnects ?? -1,
    };
  } finally {
    await show.close();
  }
}
