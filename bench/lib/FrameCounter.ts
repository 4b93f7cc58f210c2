// Counts the program's video frames as they reach a receiver, without decoding them
// (ffmpeg copies the stream to nowhere and reports its frame count every second), so
// the count says what the studio delivered, not what a test player could decode.
import { spawn, type ChildProcess } from 'node:child_process';

export class FrameCounter {
  readonly samples: { at: number; frames: number }[] = [];
  #proc?: ChildProcess;
  #stopped = false;
  #base = 0; // frames counted by earlier players (a player that lost the stream is started again)
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
    this.#run();
  }

  #run(): void {
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', '5000000', '-i', this.#url,
      '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-progress', 'pipe:1', '-stats_period', '0.5', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#proc = proc;
    let last = 0;
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (text: string) => {
      for (const m of text.matchAll(/^frame=(\d+)$/gm)) {
        last = Number(m[1]);
        this.samples.push({ at: Date.now(), frames: this.#base + last });
      }
    });
    proc.once('exit', () => {
      this.#base += last;
      if (!this.#stopped) setTimeout(() => { if (!this.#stopped) this.#run(); }, 1000);
    });
  }

  /** Frames per second that arrived between two times (from the nearest reports). */
  fps(from: number, to: number): number {
    const a = this.samples.find((s) => s.at >= from);
    const b = [...this.samples].reverse().find((s) => s.at <= to);
    if (!a || !b || b.at <= a.at) return 0;
    return (b.frames - a.frames) / ((b.at - a.at) / 1000);
  }

  /** Resolves once `frames` frames arrived after `since` (the program flows), or rejects after `timeoutMs`. */
  async framesSince(since: number, frames: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const first = this.samples.find((s) => s.at >= since);
      if (first && this.samples.at(-1)!.frames - first.frames >= frames) return;
      if (Date.now() > deadline) throw new Error(`the program did not reach the receiver: fewer than ${frames} frames in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#proc?.kill('SIGKILL');
  }
}
