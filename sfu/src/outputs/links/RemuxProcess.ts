// The ffmpeg that remuxes the encoded program (MPEG-TS on stdin) for one destination,
// without re-encoding. It is fed without ever blocking the show: past a limit a
// destination that lags drops its own data. Dies with the server (spawnChild).
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log.js';
import { spawnChild } from '../../process/spawnChild.js';

/** Data queued for a destination that does not keep up is dropped past this. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** What every remux reads: our own encoder's MPEG-TS, copied. */
export const REMUX_INPUT = [
  '-hide_banner', '-loglevel', 'error', '-nostats',
  // discardcorrupt: the last frame of an encoder that was killed mid-write is dropped, not sent on.
  '-fflags', '+genpts+discardcorrupt', '-analyzeduration', '3000000', '-probesize', '2000000',
  '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy',
];

type RemuxEvents = { exit: [code: number | null, signal: NodeJS.Signals | null, stderr: string] };

export class RemuxProcess extends EventEmitter<RemuxEvents> {
  readonly #ffmpeg: ChildProcess;
  #queued = 0;
  #stderr = '';
  #done = false;
  dropped = 0;

  /** Throws if ffmpeg cannot even be started (arguments it cannot take). */
  constructor(args: string[], scrub: (text: string) => string, log: Logger) {
    super();
    const ffmpeg = spawnChild('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdin!.on('error', () => undefined); // EPIPE when ffmpeg exits: its exit says why
    ffmpeg.stderr!.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + scrub(d.toString())).slice(-4000); });
    ffmpeg.once('error', (err) => log.error({ err: scrub(err.message) }, 'cannot run ffmpeg for a destination (is ffmpeg installed?)'));
    ffmpeg.once('exit', (code, signal) => {
      if (this.#done) return;
      this.#done = true;
      this.emit('exit', code, signal, this.#stderr);
    });
  }

  get stdout(): NodeJS.ReadableStream {
    return this.#ffmpeg.stdout!;
  }

  write(chunk: Buffer): void {
    const stdin = this.#ffmpeg.stdin;
    if (this.#done || !stdin || stdin.destroyed || !stdin.writable) return;
    if (this.#queued > MAX_QUEUED_BYTES) {
      this.dropped += chunk.length;
      return;
    }
    this.#queued += chunk.length;
    stdin.write(chunk, () => { this.#queued -= chunk.length; });
  }

  kill(): void {
    this.#done = true;
    this.#ffmpeg.kill('SIGKILL');
  }
}
