// The ffmpeg that remuxes the encoded program (MPEG-TS on stdin) for one destination,
// without re-encoding. It is fed without ever blocking the show: past a limit a
// destination that lags drops its own data. Dies with the server (spawnChild).
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log.js';
import { Child } from '../../process/Child.js';

/** Data queued for a destination that does not keep up is dropped past this. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * What every remux reads: our own encoder's MPEG-TS, copied, always from the stream's
 * tables and a keyframe (LinkFeed). MPEG-TS has no header, so ffmpeg reads for the whole
 * probe whatever it finds: that is the delay before a destination gets its first byte.
 * Started on a keyframe, it finds both streams within a second.
 */
export function remuxInput(): string[] {
  // discardcorrupt: the last frame of an encoder that was killed mid-write is dropped, not sent on.
  return ['-hide_banner', '-loglevel', 'error', '-nostats', '-fflags', '+genpts+discardcorrupt', '-analyzeduration', '1000000', '-probesize', '2000000',
    '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy'];
}

type RemuxEvents = { exit: [code: number | null, signal: NodeJS.Signals | null, stderr: string] };

export class RemuxProcess extends EventEmitter<RemuxEvents> {
  readonly #ffmpeg: Child;
  #queued = 0;
  /** bytes dropped since the destination last kept up (logged once per episode) */
  #dropping = 0;
  readonly #log: Logger;

  /** Throws if ffmpeg cannot even be started (arguments it cannot take). */
  constructor(args: string[], scrub: (text: string) => string, log: Logger) {
    super();
    this.#log = log;
    const ffmpeg = new Child('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'], scrub });
    this.#ffmpeg = ffmpeg;
    // A process that cannot be run never exits: its end says so instead, with the cause.
    ffmpeg.once('end', ({ code, signal, cannotRun }) => {
      if (cannotRun) log.error({ err: cannotRun }, 'cannot run ffmpeg for a destination');
      this.emit('exit', code, signal, cannotRun ?? ffmpeg.stderrTail);
    });
  }

  get stdout(): NodeJS.ReadableStream {
    return this.#ffmpeg.process.stdout!;
  }

  write(chunk: Buffer): void {
    const stdin = this.#ffmpeg.process.stdin;
    if (this.#ffmpeg.ended || !stdin || stdin.destroyed || !stdin.writable) return;
    if (this.#queued > MAX_QUEUED_BYTES) {
      if (this.#dropping === 0) this.#log.warn({ queued: this.#queued }, 'the destination does not keep up: dropping its program data until it does');
      this.#dropping += chunk.length;
      return;
    }
    if (this.#dropping > 0) {
      this.#log.info({ droppedBytes: this.#dropping }, 'the destination keeps up again');
      this.#dropping = 0;
    }
    this.#queued += chunk.length;
    stdin.write(chunk, () => { this.#queued -= chunk.length; });
  }

  kill(): void {
    this.#ffmpeg.kill();
  }
}
