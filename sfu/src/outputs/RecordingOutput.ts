// The show's recording: the encoded program written to disk as it comes, one more
// output beside the destinations. A file per Go live; if the disk fills or the folder
// cannot be written, the show goes on without it, the director is told why and how
// much room is left, and a new file starts once there is room again.
import { createWriteStream, mkdirSync, statfsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';

/** The recording file in progress; no stream once it failed to open. */
type Recording = { file: string; stream?: WriteStream; bytes: number; error?: string; failedAt?: number };
export type RecordingView = { file: string; bytes: number; error?: string };

/** A failed recording tries a new file this often, once there is room again. */
const RECORDING_RETRY_MS = 5000;
/** Free space a new recording file needs before it is tried again. */
const RECORDING_MIN_FREE = 64 * 1024 * 1024;

/** Free bytes on the disk that holds `dir`, or undefined if it cannot be read. */
function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
const mb = (bytes: number | undefined) => (bytes === undefined ? 'unknown' : `${(bytes / 1e6).toFixed(1)} MB`);

export class RecordingOutput extends EventEmitter<{ changed: [] }> {
  readonly #dir: string;
  readonly #log: Logger;
  #recording?: Recording;

  constructor(opts: { dataDir: string; log: Logger }) {
    super();
    this.#dir = join(opts.dataDir, 'recordings');
    this.#log = opts.log;
  }

  /** Recording (or trying to: a failed file waits for room). */
  get running(): boolean {
    return this.#recording !== undefined;
  }

  start(): void {
    if (this.#recording && !this.#recording.error) return;
    this.#recording?.stream?.destroy();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.#dir, `program-${stamp}.ts`);
    try {
      mkdirSync(this.#dir, { recursive: true });
    } catch (err) {
      this.#failed({ file, bytes: 0 }, err as NodeJS.ErrnoException);
      return;
    }
    const stream = createWriteStream(file);
    const recording: Recording = { file, stream, bytes: 0 };
    // The show goes on without its recording: the director is told why, and how much room is left.
    stream.on('error', (err: NodeJS.ErrnoException) => this.#failed(recording, err));
    this.#recording = recording;
    this.#log.info({ file }, 'recording');
  }

  #failed(recording: Recording, err: NodeJS.ErrnoException): void {
    if (recording.error) return;
    const free = freeBytes(this.#dir);
    const cause = err.code === 'ENOSPC' ? 'the disk is full'
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? 'the recordings folder cannot be written'
      : err.message;
    recording.error = `Recording stopped: ${cause} (${mb(free)} free in ${this.#dir}). Destinations keep streaming; it starts a new file when there is room.`;
    recording.failedAt = Date.now();
    this.#recording = recording;
    this.#log.error({ file: recording.file, code: err.code, free }, 'recording failed');
    this.emit('changed');
  }

  /** Whole packets of the encoded program. */
  write(chunk: Buffer): void {
    const r = this.#recording;
    if (!r) return;
    if (!r.error) {
      r.stream!.write(chunk);
      r.bytes += chunk.length;
      return;
    }
    if (Date.now() - r.failedAt! > RECORDING_RETRY_MS) {
      r.failedAt = Date.now();
      if ((freeBytes(this.#dir) ?? 0) >= RECORDING_MIN_FREE) this.start();
    }
  }

  stop(): void {
    this.#recording?.stream?.end();
    this.#recording = undefined;
  }

  view(): RecordingView | undefined {
    const r = this.#recording;
    return r ? { file: r.file, bytes: r.bytes, ...(r.error ? { error: r.error } : {}) } : undefined;
  }
}
