// CPU time and memory of processes, read from /proc (Linux): what a destination or a
// camera really costs, summed over the processes that do the work.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return 0;
  }
}

/** Resident memory now (VmRSS), in MiB; 0 once the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Measures a set of processes (re-read at every tick, as processes come and go) over a
 * window: CPU seconds used, and the peak of their summed resident memory.
 */
export class ProcessMeter {
  readonly #pids: () => number[];
  #start = new Map<number, number>();
  #last = new Map<number, number>();
  #peakRssMiB = 0;
  #startedAt = 0;
  #timer?: NodeJS.Timeout;

  constructor(pids: () => number[]) {
    this.#pids = pids;
  }

  start(): void {
    this.#startedAt = performance.now();
    for (const pid of this.#pids()) this.#start.set(pid, cpuSeconds(pid));
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 250);
  }

  #sample(): void {
    let rss = 0;
    for (const pid of this.#pids()) {
      if (!this.#start.has(pid)) this.#start.set(pid, 0); // born during the window: all its CPU counts
      const cpu = cpuSeconds(pid);
      if (cpu > 0) this.#last.set(pid, cpu);
      rss += rssMiB(pid);
    }
    this.#peakRssMiB = Math.max(this.#peakRssMiB, rss);
  }

  /** Stops; returns CPU seconds used in the window, per minute of wall time, and the peak memory. */
  stop(): { seconds: number; cpuSeconds: number; cpuSecondsPerMinute: number; peakRssMiB: number; processes: number } {
    this.#sample();
    clearInterval(this.#timer);
    const seconds = (performance.now() - this.#startedAt) / 1000;
    let cpu = 0;
    for (const [pid, last] of this.#last) cpu += Math.max(0, last - (this.#start.get(pid) ?? 0));
    return { seconds, cpuSeconds: cpu, cpuSecondsPerMinute: (cpu / seconds) * 60, peakRssMiB: this.#peakRssMiB, processes: this.#last.size };
  }
}

export type GroupUse = { cpuPercentOfACore: number; peakRssMiB: number };

/** Measures groups of processes over one window: each one's CPU, in % of one core, and its peak memory. */
export async function measureGroups<K extends string>(groups: Record<K, () => number[]>, windowMs: number): Promise<{ from: number; use: Record<K, GroupUse> }> {
  const meters = Object.entries<() => number[]>(groups).map(([name, pids]) => [name, new ProcessMeter(pids)] as const);
  for (const [, m] of meters) m.start();
  const from = Date.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const use = {} as Record<K, GroupUse>;
  for (const [name, m] of meters) {
    const r = m.stop();
    use[name as K] = { cpuPercentOfACore: Math.round((r.cpuSecondsPerMinute / 60) * 1000) / 10, peakRssMiB: Math.round(r.peakRssMiB) };
  }
  return { from, use };
}
