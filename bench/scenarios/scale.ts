// 4. Scale: the SFU and the encoder with 1, 2, 4, 8 cameras at 720p30, the director's
// multiview open and the program live to 3 outputs. CPU and memory of the server's
// process tree (Node, mediasoup workers, ffmpegs) and, apart, of the camera browsers
// (they stand in for the phones); program frames counted at a receiver.
import { loadavg } from 'node:os';
import { descendants } from '../../testkit/processTree.js';
import { FrameCounter } from '../lib/FrameCounter.js';
import { ProcessMeter } from '../lib/processes.js';
import { BenchShow } from '../lib/show.js';
import type { BenchContext } from '../context.js';

export type ScaleSample = {
  cameras: number; seconds: number;
  server: { cpuSecondsPerMinute: number; peakRssMiB: number; processes: number };
  browsers: { cpuSecondsPerMinute: number; peakRssMiB: number };
  programFps: number; holds: boolean; machineLoad1m: number;
  /** what the server said in the window: encoder restarts, destinations not live, the slate taking over */
  encoderRestarts: number; destinationsLive: number; slateFallbacks: number;
};
export type ScaleResult = {
  fps: number; samples: ScaleSample[]; largestHeld: number;
  /** the camera count the machine could not even reach, and why */
  stoppedAt?: { cameras: number; reason: string };
};

const FPS = 30;

export async function scale(ctx: BenchContext): Promise<ScaleResult> {
  const counts = ctx.quick ? [1, 2] : [1, 2, 4, 8];
  const windowMs = ctx.quick ? 5000 : 20000;
  const show = await BenchShow.open();
  const samples: ScaleSample[] = [];
  let stoppedAt: ScaleResult['stoppedAt'];
  let counter: FrameCounter | undefined;
  try {
    const first = await show.addCamera({ width: 1280, height: 720 });
    await show.cut(first.slotId);
    await show.goLive(3, { probes: false });
    counter = new FrameCounter(`${show.receivers[0]!.url(false)}/bench-0`);
    for (const count of counts) {
      try {
        while (show.cameras.length < count) {
          ctx.progress(`scale: camera ${show.cameras.length + 1}`);
          await show.addCamera({ width: 1280, height: 720 });
        }
      } catch (err) {
        // The machine cannot take this many (the cameras' own browsers starve it first):
        // what was measured up to here stands, and the report says where it stopped.
        stoppedAt = { cameras: show.cameras.length + 1, reason: (err as Error).message.split('\n')[0]! };
        ctx.progress(`scale: stopped adding cameras at ${stoppedAt.cameras}: ${stoppedAt.reason}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 5000));
      ctx.progress(`scale: measuring with ${count} camera(s)`);
      const serverPid = show.server.process.pid!;
      const server = new ProcessMeter(() => [serverPid, ...descendants(serverPid)]);
      const browsers = new ProcessMeter(() => descendants(process.pid, 'chromium'));
      server.start();
      browsers.start();
      const from = Date.now();
      await new Promise((r) => setTimeout(r, windowMs));
      const s = server.stop();
      const b = browsers.stop();
      const programFps = counter.fps(from, from + windowMs);
      const inWindow = show.server.logLines().filter((l) => (l.time as number) >= from);
      samples.push({
        cameras: count, seconds: s.seconds,
        server: { cpuSecondsPerMinute: s.cpuSecondsPerMinute, peakRssMiB: s.peakRssMiB, processes: s.processes },
        browsers: { cpuSecondsPerMinute: b.cpuSecondsPerMinute, peakRssMiB: b.peakRssMiB },
        programFps, holds: programFps >= FPS * 0.95, machineLoad1m: loadavg()[0]!,
        encoderRestarts: inWindow.filter((l) => l.msg === 'program encoder stopped; restarting it').length,
        destinationsLive: show.state?.destinations?.filter((d) => d.state === 'live').length ?? 0,
        slateFallbacks: inWindow.filter((l) => l.msg === 'on-air source stalled; slate on air').length,
      });
    }
  } finally {
    counter?.stop();
    await show.close();
  }
  const held = samples.filter((s) => s.holds).map((s) => s.cameras);
  return { fps: FPS, samples, largestHeld: held.length ? Math.max(...held) : 0, stoppedAt };
}
