// One destination: its own last hop (links/) that carries the encoded program to
// RTMP, RTMPS or SRT, its own reconnect loop, its own health — one failing destination
// never touches another; a slow one drops its own data, not theirs. What the director
// sees comes from media the destination actually took, never from "a process runs".
import { EventEmitter } from 'node:events';
import type { DestinationView } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { scrubSecrets, shownUrl, type Destination } from './Destination.js';
import type { Link } from './links/Link.js';
import { RtmpLink } from './links/RtmpLink.js';
import { SrtLink } from './links/SrtLink.js';
import { backoffMs } from '../../../shared/src/backoff.js';
import { initialStatus, namedEnd, nextStatus, PERMANENT, RECONNECT, RECONNECT_PERMANENT, type OutputEvent, type OutputStatus } from './outputState.js';
import { LinkFeed } from './ProgramGop.js';

/** No accepted bytes for this long while fed: the peer is frozen or gone (REGIE_DESTINATION_STALL_MS). */
export const DESTINATION_STALL_MS = 6000;
/** Live, and no program to send for this long: the destination says so instead of "live". */
const STARVED_MS = 2000;
/**
 * Connecting may take this long from the first program data it was given (reading the
 * stream's start and first keyframe, then the server's answer): a server that takes the
 * connection and never answers is left within it.
 */
const CONNECT_TIMEOUT_MS = 10000;

type OutputEvents = { changed: [] };

export class Output extends EventEmitter<OutputEvents> {
  #dest: Destination;
  readonly #log: Logger;
  #status: OutputStatus = initialStatus();
  #link?: Link;
  #timer?: NodeJS.Timeout;
  #accepted = 0; // bytes the destination took, last reading
  #lastAcceptedAt = 0;
  #bitrateKbps = 0;
  #lastWriteAt = 0;
  #firstWriteAt = 0; // of this link: connecting is timed from it
  /** the program's tables and latest group of pictures: what a new link starts with */
  readonly #head: () => Buffer;
  #feed?: LinkFeed;
  readonly #stallMs: number;

  constructor(dest: Destination, log: Logger, head: () => Buffer, stallMs = DESTINATION_STALL_MS) {
    super();
    this.#stallMs = stallMs;
    this.#dest = dest;
    this.#head = head;
    this.#log = log.child({ module: 'output', output: dest.id, destination: dest.name, protocol: dest.protocol });
  }

  get id(): string {
    return this.#dest.id;
  }

  /** Where it streams: a test to the same place must not run beside it. */
  get target(): Pick<Destination, 'url' | 'streamKey'> {
    return this.#dest;
  }

  get running(): boolean {
    return this.#status.state !== 'idle' && this.#status.state !== 'stopped';
  }

  /** New settings (name, URL, key): applied by reconnecting if running. */
  update(dest: Destination): void {
    this.#dest = dest;
    if (this.running) this.retryNow();
  }

  view(): DestinationView {
    const d = this.#dest;
    const s = this.#status;
    return {
      id: d.id, name: d.name, protocol: d.protocol, url: shownUrl(d.url), hasStreamKey: Boolean(d.streamKey), enabled: d.enabled,
      state: s.state, bitrateKbps: s.state === 'live' ? this.#bitrateKbps : 0, liveSince: s.liveSince,
      reconnects: s.reconnects, lastError: s.lastError, errorKind: s.errorKind,
    };
  }

  start(): void {
    if (this.running) return;
    this.#status = initialStatus();
    this.#spawn();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#kill();
    this.#apply({ type: 'stop' });
  }

  /** The director's "retry now": skip the backoff wait. */
  retryNow(): void {
    if (!this.running) return;
    clearTimeout(this.#timer);
    this.#kill();
    this.#spawn(true);
  }

  /** A chunk of the encoded program. Never blocks: a destination that lags drops its own data. */
  write(packets: Buffer): void {
    if (!this.#link || !this.#feed) return;
    this.#send(this.#feed.next(packets));
  }

  #send(data: Buffer): void {
    if (!this.#link || data.length === 0) return;
    this.#lastWriteAt = Date.now();
    this.#firstWriteAt ||= this.#lastWriteAt;
    this.#link.write(data);
  }

  #apply(e: OutputEvent): void {
    const before = this.#status;
    this.#status = nextStatus(before, e);
    if (before.state !== this.#status.state) {
      this.#log.info({ from: before.state, to: this.#status.state, error: this.#status.lastError }, `destination ${this.#status.state}`);
    }
    this.emit('changed');
  }

  /** fresh: started by the director (retry now, new settings), not by the backoff */
  #spawn(fresh = false): void {
    this.#apply({ type: 'start', fresh });
    let link: Link;
    const scrub = (text: string) => this.#scrub(text);
    try {
      link = this.#dest.protocol === 'srt'
        ? new SrtLink(this.#dest, scrub, this.#log)
        : new RtmpLink(this.#dest, scrub, this.#log);
    } catch (err) {
      // A destination that cannot even start (a URL stored by an older version that
      // cannot be used) says so, and keeps retrying slowly, like any bad URL.
      this.#log.error({ err: this.#scrub((err as Error).message) }, 'cannot start the destination');
      this.#apply({ type: 'exited', kind: 'bad-url', error: 'this destination cannot start: check its URL' });
      this.#scheduleRetry();
      return;
    }
    this.#link = link;
    const startedAt = Date.now();
    this.#accepted = 0;
    this.#firstWriteAt = 0;
    this.#lastAcceptedAt = Date.now();
    link.on('accepted', (total) => this.#onAccepted(link, total));
    // It starts on the tables and a keyframe: the latest group now, or the next one to come.
    this.#feed = new LinkFeed(this.#head);
    this.#send(this.#feed.start());
    link.once('ended', (end) => {
      if (this.#link !== link) return;
      this.#link = undefined;
      clearInterval(check);
      const { kind, message } = namedEnd(end, this.#accepted, Date.now() - startedAt);
      const detail = end.detail;
      this.#log.warn({ kind, detail }, 'destination link ended');
      this.#apply({ type: 'exited', error: message, kind });
      this.#scheduleRetry();
    });
    const check = setInterval(() => {
      if (this.#link !== link) return clearInterval(check);
      const now = Date.now();
      if (this.#status.state === 'live' && now - this.#lastWriteAt > STARVED_MS) {
        this.#apply({ type: 'starved', why: 'no program to send: the program encoder is not producing (it restarts by itself)' });
      }
      const frozen = link.frozen(now);
      if (frozen) {
        this.#stalled(link, frozen);
      } else if (this.#accepted === 0) {
        if (this.#firstWriteAt && now - this.#firstWriteAt > CONNECT_TIMEOUT_MS) this.#stalled(link, `no connection after ${CONNECT_TIMEOUT_MS / 1000} s`);
      } else if (now - this.#lastAcceptedAt > this.#stallMs && now - this.#lastWriteAt < 1000) {
        // We keep feeding it, and nothing goes out.
        this.#stalled(link, `no data accepted for ${Math.round(this.#stallMs / 1000)} s`);
      }
    }, 1000);
  }

  #onAccepted(link: Link, total: number): void {
    if (this.#link !== link || total <= this.#accepted) return;
    const now = Date.now();
    const secs = Math.max(0.5, (now - this.#lastAcceptedAt) / 1000);
    this.#bitrateKbps = Math.round(((total - this.#accepted) * 8) / 1000 / secs);
    this.#accepted = total;
    this.#lastAcceptedAt = now;
    // Live means the destination took media beyond the stream header.
    if (total > 8192) this.#apply({ type: 'progress', acceptedBytes: total, at: now });
  }

  #stalled(link: Link, why: string): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    link.close();
    this.#apply({ type: 'stalled', why: `the destination stopped taking data (${why})` });
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    clearTimeout(this.#timer);
    const permanent = this.#status.errorKind ? PERMANENT.has(this.#status.errorKind) : false;
    const delay = backoffMs(this.#status.attempt, permanent ? RECONNECT_PERMANENT : RECONNECT);
    this.#timer = setTimeout(() => this.#spawn(), delay);
  }

  #kill(): void {
    const link = this.#link;
    this.#link = undefined;
    link?.close();
  }

  /** ffmpeg repeats the URL in its errors; no secret may reach a log or the UI, in any encoding. */
  #scrub(text: string): string {
    return scrubSecrets(text, this.#dest);
  }
}
