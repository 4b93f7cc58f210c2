// The program for the watch page: HLS cut from the one encode (a remux, no second
// encode), one segment per keyframe interval, a playlist that slides and old segments
// removed. Plain files any HTTP server or CDN can carry (http/watchRoutes.ts serves
// them with the right cache headers).
//
// ffmpeg's HLS muxer writes them. Each run of the program encoder is a stream of its
// own (timestamps start again), so each gets a run of the muxer of its own, appended
// to the same playlist after a discontinuity: a player keeps playing across an encoder
// restart, or a server restart, instead of seeing a new stream.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { backoffMs } from '../../../../shared/src/backoff.js';
import type { Logger } from '../../log.js';
import { Child } from '../../process/Child.js';

export const PLAYLIST = 'program.m3u8';
/** A segment's file name as the muxer writes it: <run>-<n>.ts (never a .tmp in progress). */
export const SEGMENT_NAME = /^[a-z0-9]{1,16}-\d{1,10}\.ts$/;
/** Segments in the playlist: about 6 keyframe intervals — enough for a player's buffer, short enough to stay live. */
const LIST_SIZE = 6;
/** A muxer that cannot keep up drops its input past this, rather than hold the server's memory. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A muxer that fails is run again after this (growing while it keeps failing). */
const RESTART = { firstMs: 500, maxMs: 5000 };
/** A run whose input ended has this long to write its last segment before it is killed. */
const FINISH_MS = 3000;

export type HlsView = {
  /** off: not live; starting: live, no segment yet; on: a player can start */
  state: 'off' | 'starting' | 'on';
  segments: number;
  /** why the last run of the muxer ended, if it failed */
  error?: string;
};

export function hlsArgs(dir: string, run: string, segmentSeconds: number): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    // It starts on the stream's tables and a keyframe (the head): half a second of probing
    // is plenty, and the first segments come at once instead of 5 s late in a burst.
    '-analyzeduration', '500000', '-probesize', '500000',
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0', '-c', 'copy',
    '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', String(LIST_SIZE),
    // Old segments go once out of the list (a few kept for players a little behind);
    // each file appears whole (written as .tmp, then renamed); the playlist goes on
    // from the last run's (append_list: the media sequence continues, a discontinuity
    // before the new run's segments); no end mark when a run stops (the show may go on
    // with the next encoder).
    '-hls_delete_threshold', '3',
    '-hls_flags', 'delete_segments+independent_segments+append_list+omit_endlist+temp_file',
    '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', join(dir, `${run}-%d.ts`),
    join(dir, PLAYLIST),
  ];
}

export class HlsOutput extends EventEmitter<{ changed: [] }> {
  readonly #dir: string;
  readonly #segmentSeconds: number;
  readonly #log: Logger;
  #live = false;
  #muxer?: Child;
  /** a run told its input ended, still writing its last segment and the playlist (two must never write one playlist) */
  #finishing?: Child;
  /** the program's tables and its latest group of pictures: what a run starts with, so its first segment starts on a keyframe */
  readonly #head: () => Buffer;
  #failures = 0;
  #waitUntil = 0;
  #error?: string;
  #segments = 0;

  constructor(opts: { dir: string; segmentSeconds: number; head: () => Buffer; log: Logger }) {
    super();
    this.#head = opts.head;
    this.#dir = opts.dir;
    this.#segmentSeconds = opts.segmentSeconds;
    this.#log = opts.log.child({ output: 'hls' });
  }

  get dir(): string {
    return this.#dir;
  }

  /**
   * Live. `fresh` (Go live) starts a new playlist; a show resumed after a crash goes on
   * with the one it had, so players that were watching carry on.
   */
  start(fresh: boolean): void {
    if (this.#finishing && !this.#finishing.ended) this.#finishing.kill(); // the last show's last words are not this one's
    if (fresh || !existsSync(join(this.#dir, PLAYLIST)) || this.#ended()) rmSync(this.#dir, { recursive: true, force: true });
    mkdirSync(this.#dir, { recursive: true });
    this.#live = true;
    this.#error = undefined;
    this.#failures = 0;
    this.#count();
    this.emit('changed');
  }

  /**
   * Packets of the encoded program (already in the head's group of pictures). A run
   * starts once the last one has finished, with the head: the stream's tables and
   * everything since its last keyframe, these packets included.
   */
  write(packets: Buffer): void {
    if (!this.#live) return;
    if (!this.#muxer) {
      if (this.#finishing && !this.#finishing.ended) return; // its segments are still being written
      if (Date.now() < this.#waitUntil) return;
      this.#startRun();
      const head = this.#head();
      this.#muxer!.process.stdin!.write(head.length > 0 ? head : packets);
      return;
    }
    const stdin = this.#muxer!.process.stdin!;
    if (stdin.writableLength > MAX_QUEUED_BYTES) return; // behind: it skips, the playlist says what it has
    stdin.write(packets);
  }

  /** The encoder restarted: its next stream is a new one for the muxer too (after a discontinuity). */
  streamRestarted(): void {
    this.#endRun();
  }

  /** End live: the last segment is written, then the playlist says the show ended. */
  stop(): void {
    if (!this.#live) return;
    this.#live = false;
    const muxer = this.#muxer;
    this.#endRun();
    const markEnd = () => {
      if (this.#live || !existsSync(join(this.#dir, PLAYLIST))) return; // live again already
      appendFileSync(join(this.#dir, PLAYLIST), '#EXT-X-ENDLIST\n');
      this.#count();
      this.emit('changed');
    };
    if (muxer && !muxer.ended) muxer.once('end', markEnd);
    else markEnd();
    this.emit('changed');
  }

  /** A run's muxer is writing (or finishing its last segments): the next run waits for it. */
  get writing(): boolean {
    return Boolean(this.#muxer) || Boolean(this.#finishing && !this.#finishing.ended);
  }

  view(): HlsView {
    return {
      state: !this.#live ? 'off' : this.#segments > 0 ? 'on' : 'starting',
      segments: this.#segments,
      ...(this.#error ? { error: this.#error } : {}),
    };
  }

  #startRun(): void {
    const run = Date.now().toString(36);
    const muxer = new Child('ffmpeg', hlsArgs(this.#dir, run, this.#segmentSeconds), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#muxer = muxer;
    this.#log.info({ run }, 'hls: muxer started');
    // A segment is in the playlist once the muxer rewrites it: counted on what it says
    // (it says nothing at this log level), so the playlist is read at each new segment.
    const poll = setInterval(() => this.#count(), 500);
    muxer.once('end', (end) => {
      clearInterval(poll);
      if (this.#muxer === muxer) this.#muxer = undefined;
      this.#count();
      const clean = end.code === 0;
      if (!clean && this.#live) {
        this.#failures++;
        this.#error = `the HLS muxer stopped: ${muxer.describe(end)}`;
        this.#waitUntil = Date.now() + backoffMs(this.#failures, RESTART);
        this.#log.error({ err: this.#error }, 'hls: muxer failed; a new run starts with the next packets');
        this.emit('changed');
      } else {
        this.#failures = 0;
      }
    });
  }

  #endRun(): void {
    const muxer = this.#muxer;
    this.#muxer = undefined;
    if (!muxer) return;
    // End of input: it writes its last segment and the playlist, then exits.
    this.#finishing = muxer;
    muxer.process.stdin?.end();
    // One that does not finish is not waited for long: the show's next run matters more.
    const stuck = setTimeout(() => muxer.kill(), FINISH_MS);
    muxer.once('end', () => clearTimeout(stuck));
    if (muxer.ended) clearTimeout(stuck);
  }

  #ended(): boolean {
    try {
      return readFileSync(join(this.#dir, PLAYLIST), 'utf8').includes('#EXT-X-ENDLIST');
    } catch {
      return true;
    }
  }

  #count(): void {
    let segments = 0;
    try {
      const playlist = readFileSync(join(this.#dir, PLAYLIST), 'utf8');
      segments = playlist.split('\n').filter((l) => SEGMENT_NAME.test(l.trim())).length;
    } catch {
      segments = 0;
    }
    if (segments !== this.#segments) {
      const first = this.#segments === 0 && segments > 0;
      this.#segments = segments;
      if (first) this.emit('changed'); // "starting" becomes "on"
    }
  }

  /** Files of the playlist directory (for tests and the bench). */
  files(): string[] {
    return existsSync(this.#dir) ? readdirSync(this.#dir) : [];
  }
}
