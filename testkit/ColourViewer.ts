// A viewer of a live stream, as a person watching the platform would be: ffmpeg decodes
// it to one averaged pixel, 5 times a second, so a test reads which camera (or the
// slate) is on air at the receiver, and when.
import { spawn, type ChildProcess } from 'node:child_process';
import { classify, type Colour } from './colour.js';

/** A part of the frame, in fractions of its width and height (a picture-in-picture inset). */
export type Region = { x: number; y: number; w: number; h: number };

export class ColourViewer {
  readonly seen: { at: number; colour: Colour; rgb: [number, number, number] }[] = [];
  #proc?: ChildProcess;
  #stopped = false;

  /** `region`: read only that part of the frame (default: all of it). */
  constructor(readonly input: string[], readonly extraOutput: string[] = [], readonly onEnd?: () => void, readonly region?: Region) {
    this.#run();
  }

  #run(): void {
    // One thread and no deblocking: the colour survives, and the test machine keeps its
    // cores for the show under test.
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', '1', '-skip_loop_filter', 'all', '-rw_timeout', '15000000', '-analyzeduration', '2000000', ...this.input,
      '-map', '0:v:0', '-vf', `${this.#crop()}fps=5,scale=1:1:flags=area,format=rgb24`, '-f', 'rawvideo', 'pipe:1', ...this.extraOutput], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#proc = proc;
    let buf = Buffer.alloc(0);
    proc.stdout!.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 3) {
        const rgb: [number, number, number] = [buf[0]!, buf[1]!, buf[2]!];
        this.seen.push({ at: Date.now(), colour: classify(rgb) ?? 'other', rgb });
        buf = buf.subarray(3);
      }
    });
    // A player that hangs on (a server that froze and came back, a publisher that
    // changed) is started again, as a viewer reloading the page would.
    // (Not for a listener: it is the receiver itself, and waits for its sender.)
    const watchdog = setInterval(() => {
      const last = Math.max(this.seen.at(-1)?.at ?? 0, started);
      if (!this.onEnd && Date.now() - last > 8000) proc.kill('SIGKILL');
    }, 1000);
    const started = Date.now();
    proc.once('exit', () => {
      clearInterval(watchdog);
      if (this.#stopped) return;
      if (this.onEnd) { this.onEnd(); return; }
      setTimeout(() => { if (!this.#stopped) this.#run(); }, 300); // the stream ended: look again
    });
  }

  #crop(): string {
    const r = this.region;
    return r ? `crop=iw*${r.w}:ih*${r.h}:iw*${r.x}:ih*${r.y},` : '';
  }

  /**
   * Start the player again, as a viewer reloading the page would. Not a listener: it is
   * the receiver itself (killing it would drop the sender's session).
   */
  restart(): void {
    if (this.onEnd) return;
    this.#proc?.kill('SIGKILL'); // its exit handler starts a new one
  }

  get current(): Colour | undefined {
    const last = this.seen.at(-1);
    return last && Date.now() - last.at < 1500 ? last.colour : undefined;
  }

  /** The colour shown now, only if decoded at or after `since` (a frame of a later session). */
  currentSince(since: number): Colour | undefined {
    const last = this.seen.at(-1);
    return last && last.at >= since ? this.current : undefined;
  }

  async waitFor(colour: Colour, timeoutMs: number, since = 0): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      if (this.currentSince(since) === colour) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = this.seen.at(-1);
    throw new Error(`receiver did not show ${colour} within ${timeoutMs} ms (last: ${last ? `${last.colour} rgb(${last.rgb.join(',')}) ${Date.now() - last.at} ms ago, ${this.seen.filter((f) => f.at >= start).length} frames since the wait began` : 'nothing'})`);
  }

  /** The longest time without a decoded frame between `from` and now. */
  longestGapSince(from: number): number {
    return Math.max(0, ...this.gapsSince(from, 0).map((g) => g.ms));
  }

  /** Each time without a decoded frame of at least `atLeastMs` between `from` and now: when it began (ms after `from`) and how long it was. */
  gapsSince(from: number, atLeastMs: number): { afterMs: number; ms: number }[] {
    const times = [from, ...this.seen.filter((s) => s.at >= from).map((s) => s.at), Date.now()];
    const gaps: { afterMs: number; ms: number }[] = [];
    for (let i = 1; i < times.length; i++) {
      const ms = times[i]! - times[i - 1]!;
      if (ms >= atLeastMs) gaps.push({ afterMs: times[i - 1]! - from, ms });
    }
    return gaps;
  }

  /** The gaps of at least `atLeastMs` since `from`, in words for a test's log: "412 ms from +35 ms, …" or "none". */
  describeGapsSince(from: number, atLeastMs: number): string {
    return this.gapsSince(from, atLeastMs).map((g) => `${g.ms} ms from +${g.afterMs} ms`).join(', ') || 'none';
  }

  stop(): void {
    this.#stopped = true;
    this.#proc?.kill('SIGKILL');
  }
}
