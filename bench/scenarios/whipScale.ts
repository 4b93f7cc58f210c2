// 7. Scale with cameras that cost nothing to run: WHIP publishers (werift, in a fleet
// of processes) sending a pre-encoded 720p30 H.264 + Opus file as it is (ffmpeg copies it, no
// encode), so the machine's cores measure Régie — the SFU, the switcher, the program
// encode — and not its cameras. 1, 4, 8, 16, 32 cameras, the director's multiview open
// (its browser decodes every tile, in a CPU group of its own: measured apart), the program live to one receiver.
// Per camera: the server's CPU above the same show with no camera at all.
import { descendants } from '../../testkit/processTree.js';
import { FrameCounter } from '../lib/FrameCounter.js';
import { WeriftFleet } from '../lib/fleet/WeriftFleet.js';
import { preEncodedCamera } from '../lib/preEncoded.js';
import { measureGroups } from '../lib/processes.js';
import { BenchShow } from '../lib/show.js';
import { fitLine } from '../lib/stats.js';
import type { BenchContext } from '../context.js';

export type WhipScaleSample = {
  cameras: number;
  server: { cpuPercentOfACore: number; peakRssMiB: number };
  /** the server's CPU per camera above the no-camera baseline, in % of one core */
  perCameraPercent: number;
  /** the director's browser (decoding every tile) and the publishers (the fleet's processes and their ffmpegs), apart */
  director: { cpuPercentOfACore: number };
  publishers: { cpuPercentOfACore: number };
  programFps: number;
  /** cameras that sent nothing for a while during the window, the longest such time, and whether the first camera left the air */
  stalledCameras: number; longestStallMs: number; leftAir: boolean;
  /** the receiver got ≥ 95 % of the frames, every camera sent all along and the first stayed on air */
  holds: boolean;
};
export type WhipScaleResult = {
  fps: number; baseline: { cpuPercentOfACore: number; peakRssMiB: number }; samples: WhipScaleSample[];
  /**
   * The server's CPU against the number of cameras, a line fitted through the counts
   * that held: its slope is what one more camera costs (the first one also brings the
   * program's path from the slate to a camera, which "per camera" above counts in).
   */
  perAddedCameraPercent?: number;
  largestHeld: number; stoppedAt?: { cameras: number; reason: string };
};

const FPS = 30;

export async function whipScale(ctx: BenchContext): Promise<WhipScaleResult> {
  const counts = ctx.quick ? [1, 2] : [1, 4, 8, 16, 32];
  const windowMs = ctx.quick ? 5000 : 20000;
  const file = preEncodedCamera();
  const fleet = await WeriftFleet.start();
  const show = await BenchShow.open({ REGIE_OUTPUT_SIZE: '1280x720' }).catch(async (err: unknown) => { await fleet.close(); throw err; });
  const slotIds: string[] = [];
  let counter: FrameCounter | undefined;
  const samples: WhipScaleSample[] = [];
  let stoppedAt: WhipScaleResult['stoppedAt'];
  const serverPid = show.server.process.pid!;
  const measure = async () => {
    const { from, use } = await measureGroups({
      server: () => [serverPid, ...descendants(serverPid)],
      director: () => descendants(process.pid, 'chromium'),
      publishers: () => fleet.pids(),
    }, windowMs);
    return { from, server: use.server, director: { cpuPercentOfACore: use.director.cpuPercentOfACore }, publishers: { cpuPercentOfACore: use.publishers.cpuPercentOfACore } };
  };
  try {
    await show.goLive(1, { probes: false });
    counter = new FrameCounter(`${show.receivers[0]!.url(false)}/bench-0`);
    ctx.progress('whip-scale: the show with no camera (the slate on air): baseline');
    await counter.framesSince(Date.now(), FPS * 2, 30000); // two seconds of the program at the receiver
    const baseline = (await measure()).server;
    for (const count of counts) {
      try {
        while (slotIds.length < count) {
          ctx.progress(`whip-scale: WHIP camera ${slotIds.length + 1}`);
          const { slotId } = await show.request<{ slotId: string }>('slot:create', { name: `WHIP ${slotIds.length + 1}` });
          await show.waitFor('the slot listed', () => Boolean(show.state?.slots.find((s) => s.id === slotId)), 10000);
          const token = show.state!.slots.find((s) => s.id === slotId)!.inviteToken;
          await fleet.publish(`${show.server.url}/whip/${slotId}`, token, { kind: 'file', path: file });
          await show.waitFor(`WHIP camera ${slotIds.length + 1} sending`, () => show.state?.slots.find((s) => s.id === slotId)?.state === 'live', 20000);
          slotIds.push(slotId);
          if (slotIds.length === 1) await show.cut(slotId);
        }
      } catch (err) {
        stoppedAt = { cameras: slotIds.length + 1, reason: (err as Error).message.split('\n')[0]! };
        ctx.progress(`whip-scale: stopped adding cameras at ${stoppedAt.cameras}: ${stoppedAt.reason}`);
        break;
      }
      // Past the joins: two seconds more of the program (one that stalls is measured as it is: its fps says so).
      await counter.framesSince(Date.now(), FPS * 2, 30000).catch(() => undefined);
      ctx.progress(`whip-scale: measuring with ${count} camera(s)`);
      const watched = show.watchCameras(slotIds, slotIds[0]!);
      const m = await measure();
      const { stalledMs, leftAir } = watched();
      const stalls = Object.values(stalledMs);
      const programFps = counter.fps(m.from, m.from + windowMs);
      samples.push({
        cameras: count, server: m.server, director: m.director, publishers: m.publishers,
        perCameraPercent: Math.round(((m.server.cpuPercentOfACore - baseline.cpuPercentOfACore) / count) * 100) / 100,
        programFps, stalledCameras: stalls.length, longestStallMs: Math.max(0, ...stalls), leftAir,
        holds: programFps >= FPS * 0.95 && stalls.length === 0 && !leftAir,
      });
    }
    const held = samples.filter((s) => s.holds);
    const line = fitLine(held.map((s) => ({ x: s.cameras, y: s.server.cpuPercentOfACore })));
    return {
      fps: FPS, baseline, samples, largestHeld: Math.max(0, ...held.map((s) => s.cameras)),
      ...(line ? { perAddedCameraPercent: Math.round(line.slope * 100) / 100 } : {}),
      ...(stoppedAt ? { stoppedAt } : {}),
    };
  } finally {
    counter?.stop();
    await fleet.close();
    await show.close();
  }
}
