// 8. WHEP viewers per core: the program (720p30, from a camera that costs nothing — a
// WHIP publisher sending a pre-encoded file) played by more and more WHEP players
// (werift, in a fleet of processes: they count frames without decoding them). Per viewer: the
// server's CPU above the same live show with no player. Each viewer is two mediasoup
// consumers (video and audio), sent over its own WebRTC transport.
import { descendants } from '../../testkit/processTree.js';
import { FrameCounter } from '../lib/FrameCounter.js';
import { WeriftFleet } from '../lib/fleet/WeriftFleet.js';
import { preEncodedCamera } from '../lib/preEncoded.js';
import { measureGroups, type GroupUse } from '../lib/processes.js';
import { BenchShow } from '../lib/show.js';
import { fitLine } from '../lib/stats.js';
import type { BenchContext } from '../context.js';

export type WhepViewersSample = {
  viewers: number;
  server: GroupUse;
  /** the server's CPU per viewer above the no-viewer baseline, in % of one core */
  perViewerPercent: number;
  /** 100 / perViewerPercent: how many viewers one core of this machine serves (none when within the noise) */
  viewersPerCore?: number;
  /** the players (the fleet's processes, the camera's among them), apart */
  players: { cpuPercentOfACore: number };
  /** frames each player received per second over the window: the lowest and the median */
  playerFps: { min: number; median: number };
  /** players that received at least 95 % of the program's frames */
  playersServed: number;
  /** how long the camera sent nothing during the window, and whether it left the air (the figures then measure less) */
  cameraStalledMs: number; leftAir: boolean;
};
export type WhepViewersResult = {
  fps: number; baseline: GroupUse; samples: WhepViewersSample[];
  /**
   * The server's CPU against the number of viewers, a line fitted through the baseline
   * and every count whose players were served (where they were not, the machine was
   * out of CPU and the server starved with them): its slope is the cost of one viewer.
   */
  fitted?: { perViewerPercent: number; viewersPerCore?: number };
  /** the mediasoup figure the issue compares with, and the goal: within 2× of it, counting a viewer (two consumers) as one */
  mediasoupConsumersPerCore: number; goalViewersPerCore: number;
  stoppedAt?: { viewers: number; reason: string };
};

const FPS = 30;
const MEDIASOUP_CONSUMERS_PER_CORE = 500;

export async function whepViewers(ctx: BenchContext): Promise<WhepViewersResult> {
  const counts = ctx.quick ? [1, 4] : [10, 25, 50, 75, 100];
  const windowMs = ctx.quick ? 5000 : 20000;
  const file = preEncodedCamera();
  const fleet = await WeriftFleet.start();
  const show = await BenchShow.open({ REGIE_OUTPUT_SIZE: '1280x720' }).catch(async (err: unknown) => { await fleet.close(); throw err; });
  let players = 0;
  let counter: FrameCounter | undefined;
  const samples: WhepViewersSample[] = [];
  let stoppedAt: WhepViewersResult['stoppedAt'];
  const serverPid = show.server.process.pid!;
  const endpoint = `${show.server.url}/whep`;
  const measure = () => measureGroups({ server: () => [serverPid, ...descendants(serverPid)], players: () => fleet.pids() }, windowMs);
  const whepCount = () => show.state?.watch?.whep.viewers ?? 0;
  try {
    await show.goLive(1, { probes: false });
    counter = new FrameCounter(`${show.receivers[0]!.url(false)}/bench-0`);
    const { slotId } = await show.request<{ slotId: string }>('slot:create', { name: 'WHIP camera' });
    await show.waitFor('the slot listed', () => Boolean(show.state?.slots.find((s) => s.id === slotId)), 10000);
    await fleet.publish(`${show.server.url}/whip/${slotId}`, show.state!.slots.find((s) => s.id === slotId)!.inviteToken, { kind: 'file', path: file });
    await show.waitFor('the WHIP camera sending', () => show.state?.slots.find((s) => s.id === slotId)?.state === 'live', 20000);
    await show.cut(slotId);
    ctx.progress('whep-viewers: the live show with no player: baseline');
    await counter.framesSince(Date.now(), FPS * 2, 30000);
    const baseline = (await measure()).use.server;
    for (const count of counts) {
      try {
        while (players < count) {
          // A few at a time, as viewers arrive: each POST opens a transport and two consumers.
          const batch = Math.min(5, count - players);
          ctx.progress(`whep-viewers: players ${players + 1}-${players + batch}`);
          const joined = await Promise.allSettled(Array.from({ length: batch }, () => fleet.play(endpoint)));
          players += joined.filter((j) => j.status === 'fulfilled').length;
          const failed = joined.find((j): j is PromiseRejectedResult => j.status === 'rejected');
          if (failed) throw failed.reason;
        }
        await show.waitFor(`${count} viewers counted by the studio`, () => whepCount() === count, 20000);
      } catch (err) {
        stoppedAt = { viewers: players, reason: (err as Error).message.split('\n')[0]! };
        ctx.progress(`whep-viewers: stopped at ${players} players: ${stoppedAt.reason}`);
        break;
      }
      await waitForFrames(fleet, FPS, 30000); // every player receives: past the joins and their keyframes
      ctx.progress(`whep-viewers: measuring with ${count} player(s)`);
      const watched = show.watchCameras([slotId], slotId);
      const before = await fleet.received();
      const { use } = await measure();
      const after = await fleet.received();
      const { stalledMs, leftAir } = watched();
      const fps = playerFps(before, after).sort((a, b) => a - b);
      const perViewer = (use.server.cpuPercentOfACore - baseline.cpuPercentOfACore) / count;
      samples.push({
        viewers: count, server: use.server, players: { cpuPercentOfACore: use.players.cpuPercentOfACore },
        perViewerPercent: Math.round(perViewer * 100) / 100,
        ...(perViewer > 0 ? { viewersPerCore: Math.round(100 / perViewer) } : {}),
        playerFps: { min: Math.round(fps[0]! * 10) / 10, median: Math.round(fps[Math.floor(fps.length / 2)]! * 10) / 10 },
        playersServed: fps.filter((f) => f >= FPS * 0.95).length,
        cameraStalledMs: stalledMs[slotId] ?? 0, leftAir,
      });
    }
    const served = samples.filter((s) => s.playersServed >= s.viewers * 0.95);
    const line = fitLine([{ x: 0, y: baseline.cpuPercentOfACore }, ...served.map((s) => ({ x: s.viewers, y: s.server.cpuPercentOfACore }))]);
    return {
      fps: FPS, baseline, samples,
      ...(line ? { fitted: { perViewerPercent: Math.round(line.slope * 1000) / 1000, ...(line.slope > 0 ? { viewersPerCore: Math.round(100 / line.slope) } : {}) } } : {}),
      mediasoupConsumersPerCore: MEDIASOUP_CONSUMERS_PER_CORE, goalViewersPerCore: MEDIASOUP_CONSUMERS_PER_CORE / 2,
      ...(stoppedAt ? { stoppedAt } : {}),
    };
  } finally {
    counter?.stop();
    await fleet.close();
    await show.close();
  }
}

type Received = Awaited<ReturnType<WeriftFleet['received']>>;

/** Each player's frames per second between two readings of the fleet (each process's by its own clock). */
function playerFps(before: Received, after: Received): number[] {
  return after.flatMap((a, m) => {
    const b = before[m]!;
    if (a.frames.length !== b.frames.length) throw new Error('players joined or left between two readings');
    return a.frames.map((n, i) => (n - b.frames[i]!) / ((a.at - b.at) / 1000));
  });
}

/** Until every player has received `frames` more video frames (or the time is up: then measured as they are). */
async function waitForFrames(fleet: WeriftFleet, frames: number, timeoutMs: number): Promise<void> {
  const from = await fleet.received();
  const deadline = Date.now() + timeoutMs;
  const behind = (now: Received) => now.some((a, m) => a.frames.some((n, i) => n - from[m]!.frames[i]! < frames));
  while (Date.now() < deadline && behind(await fleet.received())) {
    await new Promise((r) => setTimeout(r, 200));
  }
}
