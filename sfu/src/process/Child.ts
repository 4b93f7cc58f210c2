// One run of a helper program (ffmpeg, and whatever the program mixer will need): it
// dies with the server (spawnChild), keeps the tail of what it says on stderr (its
// last words explain an exit), and ends exactly once — when it exits, or when it could
// not even be run (then the cause names the program to install).
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { spawnChild } from './spawnChild.js';

const TAIL_CHARS = 4000;
/** ffmpeg's progress lines say nothing about why it stopped. */
const PROGRESS = /^(frame|size)=/;

export type ChildEnd = {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** set when the program could not be started at all (not installed, not executable) */
  cannotRun?: string;
};

type ChildEvents = {
  /** Every piece of stderr, as it comes (already scrubbed). */
  stderr: [text: string];
  end: [end: ChildEnd];
};

export type ChildOptions = {
  stdio: StdioOptions;
  /** removes secrets (stream keys) from whatever the program says, before anyone keeps it */
  scrub?: (text: string) => string;
};

export class Child extends EventEmitter<ChildEvents> {
  readonly command: string;
  readonly process: ChildProcess;
  #tail = '';
  #ended = false;

  constructor(command: string, args: string[], options: ChildOptions) {
    super();
    this.command = command;
    const scrub = options.scrub ?? ((t: string) => t);
    const child = spawnChild(command, args, { stdio: options.stdio });
    this.process = child;
    child.stdin?.on('error', () => undefined); // EPIPE when it exits: its exit says why
    child.stderr?.on('data', (d: Buffer) => {
      const text = scrub(d.toString());
      this.#tail = (this.#tail + text).slice(-TAIL_CHARS);
      this.emit('stderr', text);
    });
    const cannotRun = (why: string) => `cannot run ${command}: ${scrub(why)} (is ${command} installed? apt-get install ${command})`;
    child.once('error', (err) => this.#end({ code: null, signal: null, cannotRun: cannotRun(err.message) }));
    child.once('exit', (code, signal) => {
      // Through setpriv, a program that is not there is setpriv's exit 127 (the shell's
      // "command not found"), not a spawn error.
      const missing = code === 127 ? /failed to execute .*: (.*)/.exec(this.#tail)?.[1] ?? 'not found, or not executable' : undefined;
      this.#end(missing ? { code, signal, cannotRun: cannotRun(missing) } : { code, signal });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** What it said last, progress lines left out: the lines that explain an exit. */
  lastWords(lines = 2): string {
    return this.#tail.trim().split('\n').filter((l) => !PROGRESS.test(l)).slice(-lines).join(' | ');
  }

  /** Everything it said lately (scrubbed), for classifying an error. */
  get stderrTail(): string {
    return this.#tail;
  }

  /** Why it ended, in words, for a log line. */
  describe(end: ChildEnd): string {
    return end.cannotRun ?? `${this.command} exited (${end.signal ?? `code ${end.code}`}): ${this.lastWords()}`;
  }

  kill(): void {
    this.#ended = true; // a kill is not an end anyone reacts to
    this.process.kill('SIGKILL');
  }

  #end(end: ChildEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('end', end);
  }
}
