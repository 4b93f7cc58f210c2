// The supervisor on real processes (sh, sleep): restarts, hangs, stops, a program
// that is not installed. Waits follow what the supervisor logs, never a guess.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import type { Child } from './Child.js';
import { Supervised, type Run } from './Supervised.js';

/** The child's process is gone (exited and reaped), with the signal that ended it. */
const exited = (child: Child) => new Promise<NodeJS.Signals | null>((resolve) => {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) resolve(p.signalCode);
  else p.once('exit', (_code, signal) => resolve(signal));
});

type Line = { msg: string; reason?: string; delay?: number };

/** A logger whose lines the test can wait for. */
function recordingLog() {
  const lines: Line[] = [];
  const waiters: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        for (const w of [...waiters]) if (w.match(line)) waiters.splice(waiters.indexOf(w), 1), w.resolve(line);
      }
      done();
    },
  });
  const next = (match: (l: Line) => boolean) => new Promise<Line>((resolve) => {
    const seen = lines.find(match);
    if (seen) return resolve(seen);
    waiters.push({ match, resolve });
  });
  return { log: createLogger('info', sink), lines, next };
}

const restarted = (l: Line) => l.msg === 'worker stopped; restarting it';
let supervised: Supervised | undefined;
afterEach(() => supervised?.stop());

describe('Supervised', () => {
  it('starts a process that exits again, releasing what the run owned, with the exit named', async () => {
    const { log, lines, next } = recordingLog();
    const released: number[] = [];
    let runs = 0;
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 50 },
      run: async (run) => {
        const n = ++runs;
        run.own(() => released.push(n));
        run.spawn('sh', ['-c', 'echo "bad input" >&2; exit 3'], { stdio: ['ignore', 'ignore', 'pipe'] });
      },
    });
    await supervised.start();
    await next(() => lines.filter(restarted).length >= 2);
    expect(lines.find(restarted)!.reason).toBe('sh exited (code 3): bad input');
    expect(released.slice(0, 2)).toEqual([1, 2]);
  });

  it('a run that never shows life is ended as hung, and its process killed', async () => {
    const { log, next } = recordingLog();
    const children: Child[] = [];
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 50 },
      liveness: { firstMs: 300, silentMs: 200, what: 'output' },
      run: async (run) => { children.push(run.spawn('sleep', ['30'], { stdio: 'ignore' })); },
    });
    await supervised.start();
    const line = await next(restarted);
    expect(line.reason).toMatch(/^no output for \d+ s \(it hangs without exiting\)$/); // it said nothing
    expect(await exited(children[0]!)).toBe('SIGKILL'); // killed with its run
  });

  it('a run is given its first-sign time from its process\'s start, not from the start of its setup', async () => {
    const { log, next } = recordingLog();
    let spawnedAt = 0;
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 50 },
      liveness: { firstMs: 300, silentMs: 10_000, what: 'output' },
      run: async (run) => {
        await new Promise((r) => setTimeout(r, 600)); // a slow setup (a program rebuilt, a busy worker)
        spawnedAt = Date.now();
        run.spawn('sleep', ['30'], { stdio: 'ignore' }); // (it never shows life)
      },
    });
    await supervised.start();
    const line = await next(restarted);
    // Counted from the setup's start, it would have been hung at once (600 ms > 300 ms):
    // it was given its 300 ms from the spawn (a slow machine can only make this later).
    expect(spawnedAt).toBeGreaterThan(0); // (its process was spawned before it was judged)
    expect(Date.now() - spawnedAt).toBeGreaterThanOrEqual(300);
    expect(line.reason).toMatch(/it hangs without exiting/);
  });

  it('a run that showed life is up; when it ends it is down, and the next failure waits the first delay again', async () => {
    const { log, lines, next } = recordingLog();
    const events: string[] = [];
    let runs = 0;
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 20, maxMs: 10_000 },
      run: async (run) => {
        runs++;
        const child = run.spawn('sh', ['-c', 'echo ready; exec sleep 30'], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.process.stdout!.once('data', () => {
          run.alive();
          // the first three runs fail once up; the fourth stays
          if (runs < 4) setTimeout(() => child.process.kill('SIGTERM'), 5);
        });
      },
    });
    supervised.on('up', () => events.push('up'));
    supervised.on('down', () => events.push('down'));
    await supervised.start();
    await next(() => lines.filter(restarted).length >= 3);
    await new Promise<void>((resolve) => supervised!.once('up', () => resolve()));
    // every failure came after the run was up: each is a first failure (20 ms ±25 %)
    for (const l of lines.filter(restarted)) expect(l.delay).toBeLessThanOrEqual(25);
    expect(events).toEqual(['up', 'down', 'up', 'down', 'up', 'down', 'up']);
    expect(supervised.up).toBe(true);
  });

  it('failures in a row back off', async () => {
    const { log, lines, next } = recordingLog();
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 1000 },
      run: async (run) => { run.fail('cannot start'); },
    });
    await supervised.start();
    await next(() => lines.filter(restarted).length >= 4);
    const delays = lines.filter(restarted).map((l) => l.delay!);
    expect(delays[3]!).toBeGreaterThan(delays[0]! * 4); // 10, 20, 40, 80 ms, ±25 %
  });

  it('stop kills the process, releases the run and starts nothing more', async () => {
    const { log, lines } = recordingLog();
    let child: Child | undefined;
    let released = false;
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 50 },
      run: async (run: Run) => {
        run.own(() => { released = true; });
        child = run.spawn('sleep', ['30'], { stdio: 'ignore' });
      },
    });
    await supervised.start(); // resolves once the run is set up
    supervised.stop();
    expect(await exited(child!)).toBe('SIGKILL');
    expect(released).toBe(true);
    expect(lines.filter(restarted)).toEqual([]);
    expect(supervised.running).toBe(false);
  });

  it('a program that is not installed is named, with how to install it', async () => {
    const { log, next } = recordingLog();
    supervised = new Supervised({
      name: 'worker', log, backoff: { firstMs: 10, maxMs: 50 },
      run: async (run) => { run.spawn('regie-no-such-program', [], { stdio: ['ignore', 'ignore', 'pipe'] }); },
    });
    await supervised.start();
    const line = await next(restarted);
    expect(line.reason).toMatch(/^cannot run regie-no-such-program: .* \(is regie-no-such-program installed\? apt-get install regie-no-such-program\)$/);
  });
});
