// The JSON lines between the server and one mixer process: commands out on its stdin,
// each answered (ack, or nack with why), and the events it volunteers. A command the
// mixer does not answer in time is failed, not waited for forever.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';

export type MixerEvent =
  | { ev: 'ready' }
  | { ev: 'ack'; id: number }
  | { ev: 'nack'; id: number | null; error: string }
  /** `loopMs`: since its main loop (which answers commands) last ran */
  | { ev: 'stats'; framesOut: number; loopMs?: number; behindMs?: number; inputs: Record<string, { frames: number; sinceMs: number | null; maxGapMs: number; covered?: boolean }> }
  | { ev: 'input-frames'; input: string }
  | { ev: 'keyframe-wanted'; input: string }
  | { ev: 'input-error'; input: string; error: string }
  | { ev: 'logo-error'; path: string | null; error: string }
  | { ev: 'transition-done'; id: number | null }
  | { ev: 'centre'; y: number; u: number; v: number; t: number }
  | { ev: 'preview-centre'; y: number; u: number; v: number; t: number }
  | { ev: 'error' | 'warning'; src: string; error: string; debug?: string };

export type Layer = { input: string; x: number; y: number; w: number; h: number; alpha: number; z: number };

export type MixerCommand =
  /** `still`: a still picture sent at a low frame rate (the slate); the mixer repeats it at the program's */
  | { cmd: 'input.add'; input: string; video?: { port: number; codec: string; pt: number; still?: boolean }; audio?: { port: number; pt: number } }
  | { cmd: 'input.remove'; input: string }
  | { cmd: 'scene'; layers: Layer[]; gains: Record<string, number>; ms: number; dip?: boolean }
  /** the preview's composition: the shot in preview and the graphics the next shot will have (their opacity), at once */
  | { cmd: 'preview'; layers: Layer[]; graphics: Record<string, number> }
  | { cmd: 'graphic'; name: string; on: boolean; ms: number; opacity?: number; title?: string; subtitle?: string }
  | { cmd: 'logo'; path: string | null; decoder?: 'pngdec' | 'jpegdec'; x?: number; y?: number; w?: number; h?: number }
  | { cmd: 'countdown'; at: number | null; label: string; final: string }
  | { cmd: 'measure'; on: boolean }
  | { cmd: 'keyframe' };

const ANSWER_MS = 5000;

export class MixerChannel extends EventEmitter<{ event: [MixerEvent]; garbage: [line: string] }> {
  readonly #in: Writable;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  #next = 1;

  constructor(stdin: Writable, stdout: Readable) {
    super();
    this.#in = stdin;
    createInterface({ input: stdout }).on('line', (line) => this.#line(line));
    stdout.once('close', () => this.#failAll('the mixer exited'));
  }

  /** Sends a command; resolves on its ack, rejects with the mixer's reason (or on silence). */
  send(command: MixerCommand): Promise<void> {
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`the mixer did not answer "${command.cmd}" within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
      this.#waiting.set(id, { resolve, reject, timer });
      this.#in.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  #line(line: string): void {
    let event: MixerEvent;
    try {
      event = JSON.parse(line) as MixerEvent;
    } catch {
      this.emit('garbage', line);
      return;
    }
    if ((event.ev === 'ack' || event.ev === 'nack') && event.id !== null) {
      const waiting = this.#waiting.get(event.id);
      if (waiting) {
        this.#waiting.delete(event.id);
        clearTimeout(waiting.timer);
        if (event.ev === 'ack') waiting.resolve();
        else waiting.reject(new Error(event.error));
      }
      return;
    }
    this.emit('event', event);
  }

  #failAll(why: string): void {
    for (const w of this.#waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(why));
    }
    this.#waiting.clear();
  }
}
