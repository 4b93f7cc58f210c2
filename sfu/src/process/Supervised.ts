// Keeps one thing running that a child process does (the slate, the program encoder,
// and next the program mixer): each run is set up by the owner's `run(run)` — mediasoup
// transports, the process, timers — and everything the run owns is released with it.
// A run ends when its process exits, when it shows no sign of life for too long (a
// process that hangs is as dead as one that exited), or when the owner says it failed;
// another starts after one jittered backoff. A run that showed life makes the next
// failure a first one again. Stopping ends the run and every retry.
import { EventEmitter } from 'node:events';
import { backoffMs, type BackoffPolicy } from '../../../shared/src/backoff.js';
import type { Logger } from '../log.js';
import { Child, type ChildOptions } from './Child.js';

export type Liveness = {
  /** a run just started may take this long before its first sign of life (a loaded machine) */
  firstMs: number;
  /** after that, no sign of life for this long means it hangs */
  silentMs: number;
  /** what a sign of life is, for the reason logged ("no encoded output for 6 s") */
  what: string;
};

/** One run, as its owner sees it while setting it up and while it runs. */
export interface Run {
  /** Still the current run: false once stopped or replaced (work still on its way is dropped). */
  readonly current: boolean;
  /** Release this when the run ends (a transport, a socket). */
  own(release: () => void): void;
  /** Call fn every `ms` while the run lasts. */
  every(ms: number, fn: () => void): void;
  /** Start the run's process; its end ends the run. Throws if the run already ended. */
  spawn(command: string, args: string[], options: ChildOptions): Child;
  /** A sign of life (output seen). */
  alive(): void;
  /** How long since the last sign of life (or since the run started). */
  silentForMs(): number;
  /** The run cannot go on: end it, and start another after the backoff. */
  fail(reason: string): void;
}

type SupervisedEvents = {
  /** a run showed its first sign of life */
  up: [pid: number | undefined];
  /** a run that was up ended */
  down: [];
};

export class Supervised extends EventEmitter<SupervisedEvents> {
  readonly #name: string;
  readonly #log: Logger;
  readonly #backoff: BackoffPolicy;
  readonly #liveness?: Liveness;
  readonly #setUp: (run: Run) => Promise<void>;
  #run?: RunState;
  #failures = 0;
  #stopped = true;
  #retry?: NodeJS.Timeout;

  /** how an ended run is logged: an error by default; 'info' where ending is ordinary (an SRT encoder hanging up) */
  readonly #endLevel: 'error' | 'info';

  constructor(opts: { name: string; log: Logger; backoff: BackoffPolicy; liveness?: Liveness; endLevel?: 'error' | 'info'; run: (run: Run) => Promise<void> }) {
    super();
    this.#name = opts.name;
    this.#log = opts.log;
    this.#backoff = opts.backoff;
    this.#liveness = opts.liveness;
    this.#setUp = opts.run;
    this.#endLevel = opts.endLevel ?? 'error';
  }

  /** A run showed life and has not ended. */
  get up(): boolean {
    return this.#run?.up ?? false;
  }

  get pid(): number | undefined {
    return this.#run?.child?.pid;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  /** Start running (nothing if already). Resolves once the first run is set up, or failed (and will be retried). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#failures = 0;
    await this.#begin();
  }

  /** End the run now and start another after the backoff (a hang the owner noticed itself). */
  restart(reason: string): void {
    this.#run?.fail(reason);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#end();
  }

  async #begin(): Promise<void> {
    const run = new RunState(this);
    this.#run = run;
    if (this.#liveness) {
      const { firstMs, silentMs, what } = this.#liveness;
      run.every(Math.min(1000, silentMs / 2, firstMs / 2), () => {
        if (!run.child) return; // still being set up: liveness is the process's, from its start
        const silent = run.silentForMs();
        if (silent <= (run.up ? silentMs : firstMs)) return;
        const said = run.child?.lastWords();
        run.fail(`no ${what} for ${Math.round(silent / 1000)} s (it hangs without exiting)${said ? `: ${said}` : ''}`);
      });
    }
    try {
      await this.#setUp(run);
    } catch (err) {
      run.fail(`could not start: ${(err as Error).message}`);
    }
  }

  /** @internal a run reports its first sign of life */
  _up(run: RunState): void {
    if (run !== this.#run) return;
    this.#failures = 0;
    this.emit('up', run.child?.pid);
  }

  /** @internal a run ended by itself or by its owner */
  _failed(run: RunState, reason: string): void {
    if (run !== this.#run) return;
    this.#end();
    if (this.#stopped) return;
    const delay = backoffMs(++this.#failures, this.#backoff);
    this.#log[this.#endLevel]({ reason, delay }, `${this.#name} stopped; restarting it`);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#begin(), delay);
  }

  #end(): void {
    const run = this.#run;
    this.#run = undefined;
    if (!run) return;
    const wasUp = run.up;
    run.release();
    if (wasUp) this.emit('down');
  }
}

class RunState implements Run {
  readonly #owner: Supervised;
  readonly #releases: (() => void)[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  #ended = false;
  #lastSignAt = Date.now();
  up = false;
  child?: Child;

  constructor(owner: Supervised) {
    this.#owner = owner;
  }

  get current(): boolean {
    return !this.#ended;
  }

  own(release: () => void): void {
    if (this.#ended) release();
    else this.#releases.push(release);
  }

  every(ms: number, fn: () => void): void {
    if (this.#ended) return;
    const timer = setInterval(() => { if (!this.#ended) fn(); }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  spawn(command: string, args: string[], options: ChildOptions): Child {
    if (this.#ended) throw new Error(`${command} not started: its run already ended`);
    const child = new Child(command, args, options);
    this.child = child;
    this.#lastSignAt = Date.now(); // a process is given its first-sign time from its start
    this.own(() => child.kill());
    child.once('end', (end) => this.fail(child.describe(end)));
    return child;
  }

  alive(): void {
    if (this.#ended) return;
    this.#lastSignAt = Date.now();
    if (this.up) return;
    this.up = true;
    this.#owner._up(this);
  }

  silentForMs(): number {
    return Date.now() - this.#lastSignAt;
  }

  fail(reason: string): void {
    if (this.#ended) return;
    this.#owner._failed(this, reason);
  }

  release(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const t of this.#timers) clearInterval(t);
    // Last owned, first released: the process before the transports it sends into.
    for (const release of this.#releases.reverse()) {
      try {
        release();
      } catch {
        // already gone with its router: nothing left to release
      }
    }
  }
}
