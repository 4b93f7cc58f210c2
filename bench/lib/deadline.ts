// A time limit for each bench scenario, and for a whole bench run driven by a test.
// A scenario waits on real browsers, servers and players; one that never answers (a
// wedged renderer under an `evaluate`, a browser that never exits on close) would hold
// the run forever and, worse, keep its cameras and encoders loading the machine for
// whatever runs next. The CI run that found this: the quick bench's scale scenario
// stopped answering after 3 minutes, the test hook gave up after 20, and the bench's
// show kept two 720p cameras and three outputs running under every later test file.
import { spawn } from 'node:child_process';
import { descendants, signalAll, trees } from '../../testkit/processTree.js';

/** How long a scenario may take before it is stopped: far above what a slow machine needs. */
export function scenarioLimitMs(name: string, quick: boolean): number {
  // Quick scenarios take 30-70 s here (the soak 3.5 min); full ones up to about 6 min (the soak an hour).
  if (name === 'soak') return (quick ? 10 : 80) * 60_000;
  return (quick ? 5 : 30) * 60_000;
}

/** SIGKILL every process this one started, and theirs (browsers, servers, receivers, players). */
export const killEverythingBelow = (pid = process.pid): number => signalAll(descendants(pid));

/**
 * `promise`, or an error saying `what` did not happen within `limitMs` (for calls
 * Playwright gives no timeout: newPage, evaluate). `onExpired` runs first and may add
 * to the error's message.
 */
export async function within<T>(limitMs: number, what: string, promise: Promise<T>, onExpired: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { const more = onExpired(); reject(new Error(`${what} within ${minutes(limitMs)}${more}`)); }, limitMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `work` and returns what it returns, or rejects after `limitMs` with why, having
 * killed everything below this process (what the stopped work left running; `below`
 * another root, for a test).
 */
export const withDeadline = <T>(what: string, limitMs: number, work: () => Promise<T>, below = process.pid): Promise<T> =>
  within(limitMs, `${what} did not finish`, work(), () => `; stopped (${killEverythingBelow(below)} processes killed)`);

/**
 * `bench/run.ts` with these arguments in a child process, as `npm run bench` runs it, its
 * output passed through. Resolves with its exit code; past `limitMs` the child and every
 * process below it are killed and this rejects, so nothing of it outlives the test.
 */
export function runBench(root: string, args: string[], limitMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      signalAll(trees([child.pid!]));
      reject(new Error(`npm run bench -- ${args.join(' ')} did not finish within ${minutes(limitMs)}; it and everything it started were killed`));
    }, limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const minutes = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
