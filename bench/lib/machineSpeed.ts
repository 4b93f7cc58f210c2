// How fast this machine is right now, as one number a reader can compare between runs:
// a fixed piece of the program encoder's own work (x264 veryfast, 720p, one thread, on
// 300 synthetic frames), in frames per CPU second. The figures that depend on the CPU
// (glass-to-glass, the A/V offset) moved with the machine in past runs: the runs that
// missed their goals spent 15-25 % more CPU on the same work. With this printed beside
// them, a slow machine can be told from a regression. Also the CPU time the hypervisor
// took from this machine (steal) while each scenario ran.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FRAMES = 300;

export type SpeedSample = {
  /** when it was measured: 'start', 'before latency', …, 'end' */
  when: string;
  /** x264 frames per CPU second (higher is faster) */
  framesPerCpuSecond: number;
  /** the same against the wall clock (lower than the CPU figure when something else ran) */
  framesPerSecond: number;
};

export async function measureSpeed(when: string): Promise<SpeedSample> {
  // -benchmark prints the user CPU time and the real time of the whole run.
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-benchmark', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-frames:v', String(FRAMES), '-c:v', 'libx264', '-preset', 'veryfast', '-threads', '1', '-x264-params', 'threads=1:lookahead-threads=1', '-f', 'null', '-']);
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(stderr);
  if (!m) throw new Error(`ffmpeg -benchmark printed no timing: ${stderr.slice(-300)}`);
  const cpu = Number(m[1]) + Number(m[2]);
  return { when, framesPerCpuSecond: FRAMES / cpu, framesPerSecond: FRAMES / Number(m[3]) };
}

/** Counts of CPU time from /proc/stat (all cores), to tell how much the hypervisor stole. */
export function cpuTimes(): { total: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user)
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}

/** Steal between two readings, as a percentage of all CPU time. */
export const stealPercent = (a: { total: number; steal: number }, b: { total: number; steal: number }): number =>
  b.total > a.total ? (100 * (b.steal - a.steal)) / (b.total - a.total) : 0;
