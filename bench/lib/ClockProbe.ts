// A viewer at a receiver that reads every frame: ffmpeg decodes the stream (one
// thread: frame threads would add frames of delay) to small RGB frames, and each is
// read for its colour (which camera, or the slate) and its frame clock (when the
// camera drew it). Arrival is when the decoded frame reaches us.
import { spawn, type ChildProcess } from 'node:child_process';
import { classify, type Colour } from '../../testkit/colour.js';
import { captureTime, readClock } from '../../testkit/frameClock.js';

const W = 192;
const H = 108;
const FRAME_BYTES = W * H * 3;

export type ProbeFrame = { at: number; colour: Colour; capturedAt?: number };

export class ClockProbe {
  readonly frames: ProbeFrame[] = [];
  #proc?: ChildProcess;
  #stopped = false;
  #starts = 0;
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
    this.#run();
  }

  #run(): void {
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', '1',
      '-fflags', 'nobuffer', '-flags', 'low_delay', '-rw_timeout', '8000000', '-analyzeduration', '1000000', '-i', this.#url,
      '-map', '0:v:0', '-vf', `scale=${W}:${H}:flags=area,format=rgb24`, '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#proc = proc;
    this.#starts++;
    let buf: Buffer = Buffer.alloc(0);
    proc.stdout!.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= FRAME_BYTES) {
        this.#frame(buf.subarray(0, FRAME_BYTES), Date.now());
        buf = buf.subarray(FRAME_BYTES);
      }
    });
    const watchdog = setInterval(() => {
      // A player stuck on a session that ended (receiver killed, frozen) is restarted.
      // (Starting a player on a busy machine takes longer than keeping one going.)
      const last = this.frames.at(-1)?.at ?? 0;
      if (last >= started ? Date.now() - last > 4000 : Date.now() - started > 10000) proc.kill('SIGKILL');
    }, 500);
    const started = Date.now();
    const framesBefore = this.frames.length;
    proc.once('exit', () => {
      clearInterval(watchdog);
      // Look again soon after a stream ended; gently while the receiver refuses (a player
      // respawned five times a second would itself starve the machine under test).
      const delay = this.frames.length > framesBefore ? 200 : 1000;
      if (!this.#stopped) setTimeout(() => { if (!this.#stopped) this.#run(); }, delay);
    });
  }

  #frame(px: Buffer, at: number): void {
    const luma = (x: number, y: number) => {
      const i = (Math.min(H - 1, Math.max(0, y)) * W + Math.min(W - 1, Math.max(0, x))) * 3;
      return (px[i]! + px[i + 1]! + px[i + 2]!) / 3;
    };
    // The colour away from the moving square (top) and the clock band (bottom).
    let r = 0, g = 0, b = 0, n = 0;
    for (let y = Math.round(H * 0.4); y < Math.round(H * 0.6); y += 2) {
      for (let x = Math.round(W * 0.3); x < Math.round(W * 0.7); x += 4) {
        const i = (y * W + x) * 3;
        r += px[i]!; g += px[i + 1]!; b += px[i + 2]!; n++;
      }
    }
    const colour = classify([r / n, g / n, b / n]) ?? 'other';
    const clock = readClock(luma, W, H);
    this.frames.push({ at, colour, capturedAt: clock >= 0 && colour !== 'slate' ? captureTime(clock, at) : undefined });
  }

  /** The first frame of this colour (or any program picture: a camera or the slate) that arrived after `since`. */
  firstAfter(since: number, colour: Colour | 'any', timeoutMs: number): Promise<ProbeFrame> {
    return this.first(colour, (x) => x.at > since && (colour === 'any' ? x.colour !== 'other' : x.colour === colour), timeoutMs);
  }

  /** The first frame that matches, as soon as it arrives; `what` names it in the error. */
  async first(what: string, match: (f: ProbeFrame) => boolean, timeoutMs: number): Promise<ProbeFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`the receiver did not show ${what} within ${timeoutMs} ms (${this.#recent(timeoutMs)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** What the receiver showed lately: which colours, how many frames, how old the last one is. */
  #recent(ms: number): string {
    const last = this.frames.at(-1);
    if (!last) return 'no frame at all';
    const seen = new Map<string, number>();
    for (const f of this.between(Date.now() - ms, Infinity)) seen.set(f.colour, (seen.get(f.colour) ?? 0) + 1);
    const counts = [...seen].map(([c, n]) => `${c} ×${n}`).join(', ') || 'none';
    return `last: ${last.colour}, ${Date.now() - last.at} ms ago; frames in that time: ${counts}; player restarts: ${this.#starts - 1}`;
  }

  /** Frames that arrived in [from, to). */
  between(from: number, to: number): ProbeFrame[] {
    return this.frames.filter((f) => f.at >= from && f.at < to);
  }

  stop(): void {
    this.#stopped = true;
    this.#proc?.kill('SIGKILL');
  }
}
