// 7. Scale with cameras that cost nothing to run: WHIP publishers (werift, in this
// process) sending a pre-encoded 720p30 H.264 + Opus file as it is (ffmpeg copies it, no
// encode), so the machine's cores measure Régie — the SFU, the switcher, the program
// encode — and not its cameras. 1, 4, 8, 16, 32 cameras, the director's multiview open
// (its browser decodes every tile: measured apart), the program live to one receiver.
// Per camera: the server's CPU above the same show with no camera at all.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants } from '../../testkit/processTree.js';
import { WhipCamera } from '../../testkit/whipCamera.js';
import { FrameCounter } from '../lib/FrameCounter.js';
import { ProcessMeter } from '../lib/processes.js';
import { BenchShow } from '../lib/show.js';
import type { BenchContext } from '../context.js';

export type WhipScaleSample = {
  cameras: number;
  server: { cpuPercentOfACore: number; peakRssMiB: number };
  /** the server's CPU per camera above the no-camera baseline, in % of one core */
  perCameraPercent: number;
  /** the director's browser (decoding every tile) and this process (the publishers), apart */
  director: { cpuPercentOfACore: number };
  publishers: { cpuPercentOfACore: number };
  programFps: number; holds: boolean;
};
export type WhipScaleResult = {
  fps: number; baseline: { cpuPercentOfACore: number; peakRssMiB: number }; samples: WhipScaleSample[];
  largestHeld: number; stoppedAt?: { cameras: number; reason: string };
};

const FPS = 30;

/** 10 s of 720p30 H.264 (no B-frames, a keyframe a second, 2 Mbit/s) and Opus, made once per machine. */
function preEncodedFile(): string {
  const dir = join(tmpdir(), 'regie-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'camera-720p30.mkv');
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-g', '30', '-bf', '0', '-b:v', '2000k', '-maxrate', '2000k', '-bufsize', '2000k',
      '-pix_fmt', 'yuv420p', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2', `${file}.tmp.mkv`]);
    execFileSync('mv', [`${file}.tmp.mkv`, file]);
  }
  return file;
}

export async function whipScale(ctx: BenchContext): Promise<WhipScaleResult> {
  const counts = ctx.quick ? [1, 2] : [1, 4, 8, 16, 32];
  const windowMs = ctx.quick ? 5000 : 20000;
  const file = preEncodedFile();
  const show = await BenchShow.open({ REGIE_OUTPUT_SIZE: '1280x720' });
  const cameras: WhipCamera[] = [];
  let counter: FrameCounter | undefined;
  const samples: WhipScaleSample[] = [];
  let stoppedAt: WhipScaleResult['stoppedAt'];
  const serverPid = show.server.process.pid!;
  const measure = async () => {
    const server = new ProcessMeter(() => [serverPid, ...descendants(serverPid)]);
    const director = new ProcessMeter(() => descendants(process.pid, 'chromium'));
    // This process (werift: SRTP and packetising) and its ffmpegs that are not the server's (the publishers' copies; the frame counter).
    const self = new ProcessMeter(() => {
      const servers = new Set(descendants(serverPid)); // once a tick: each read runs ps
      return [process.pid, ...descendants(process.pid, 'ffmpeg').filter((p) => !servers.has(p))];
    });
    for (const m of [server, director, self]) m.start();
    const from = Date.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const [s, d, p] = [server.stop(), director.stop(), self.stop()];
    const pct = (x: { cpuSecondsPerMinute: number }) => Math.round((x.cpuSecondsPerMinute / 60) * 1000) / 10;
    return { from, server: { cpuPercentOfACore: pct(s), peakRssMiB: Math.round(s.peakRssMiB) }, director: { cpuPercentOfACore: pct(d) }, publishers: { cpuPercentOfACore: pct(p) } };
  };
  try {
    await show.goLive(1, { probes: false });
    counter = new FrameCounter(`${show.receivers[0]!.url(false)}/bench-0`);
    ctx.progress('whip-scale: the show with no camera (the slate on air): baseline');
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = (await measure()).server;
    for (const count of counts) {
      try {
        while (cameras.length < count) {
          ctx.progress(`whip-scale: WHIP camera ${cameras.length + 1}`);
          const { slotId } = await show.request<{ slotId: string }>('slot:create', { name: `WHIP ${cameras.length + 1}` });
          await show.waitFor('the slot listed', () => Boolean(show.state?.slots.find((s) => s.id === slotId)), 10000);
          const token = show.state!.slots.find((s) => s.id === slotId)!.inviteToken;
          cameras.push(await WhipCamera.publish(`${show.server.url}/whip/${slotId}`, token, { kind: 'file', path: file }));
          await show.waitFor(`WHIP camera ${cameras.length} sending`, () => show.state?.slots.find((s) => s.id === slotId)?.state === 'live', 20000);
          if (cameras.length === 1) await show.cut(slotId);
        }
      } catch (err) {
        stoppedAt = { cameras: cameras.length + 1, reason: (err as Error).message.split('\n')[0]! };
        ctx.progress(`whip-scale: stopped adding cameras at ${stoppedAt.cameras}: ${stoppedAt.reason}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 3000));
      ctx.progress(`whip-scale: measuring with ${count} camera(s)`);
      const m = await measure();
      const programFps = counter.fps(m.from, m.from + windowMs);
      samples.push({
        cameras: count, server: m.server, director: m.director, publishers: m.publishers,
        perCameraPercent: Math.round(((m.server.cpuPercentOfACore - baseline.cpuPercentOfACore) / count) * 100) / 100,
        programFps, holds: programFps >= FPS * 0.95,
      });
    }
    const held = samples.filter((s) => s.holds).map((s) => s.cameras);
    return { fps: FPS, baseline, samples, largestHeld: held.length ? Math.max(...held) : 0, ...(stoppedAt ? { stoppedAt } : {}) };
  } finally {
    counter?.stop();
    for (const c of cameras) await c.close().catch(() => undefined);
    await show.close();
  }
}
