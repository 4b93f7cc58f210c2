// One destination: its own ffmpeg that remuxes the encoded program (MPEG-TS on
// stdin) to RTMP, RTMPS or SRT. Its own reconnect loop, its own health: one failing
// destination never touches another — a slow one drops its own data, not theirs.
import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../process/spawnChild.js';
import { EventEmitter } from 'node:events';
import type { DestinationView } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { scrubSecrets, shownUrl, type Destination } from './Destination.js';
import { backoffMs, classifyError, initialStatus, nextStatus, PERMANENT, type OutputEvent, type OutputStatus } from './outputState.js';
import { probeRtmp } from './PeerProbe.js';

/** No accepted bytes for this long while live: the peer is frozen or gone. */
const STALL_MS = 6000;
/** Live, and no program to send for this long: the destination says so instead of "live". */
const STARVED_MS = 2000;
/** Connecting (reading the stream's first keyframe, handshake) may take this long. */
const CONNECT_TIMEOUT_MS = 20000;
/** Data queued for a destination that does not keep up is dropped past this. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

type OutputEvents = { changed: [] };

/**
 * The only protocols each kind of output may open: whatever the URL says, ffmpeg never
 * writes a local file or opens anything else.
 */
const PROTOCOLS: Record<Destination['protocol'], string> = { rtmp: 'rtmp,tcp', rtmps: 'rtmps,tls,tcp', srt: 'srt' };

export function outputArgs(d: Destination): string[] {
  const common = ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-stats_period', '1',
    // discardcorrupt: the last frame of an encoder that was killed mid-write is dropped, not sent on.
    '-fflags', '+genpts+discardcorrupt', '-analyzeduration', '3000000', '-probesize', '2000000', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy',
    '-protocol_whitelist', PROTOCOLS[d.protocol]];
  if (d.protocol === 'srt') {
    const url = new URL(d.url);
    url.searchParams.set('mode', 'caller'); // never a listener, whatever the URL asked
    if (d.streamKey) url.searchParams.set('streamid', d.streamKey);
    return [...common, '-f', 'mpegts', url.toString()];
  }
  // RTMP(S): the key is the last path element, as every platform documents it.
  const url = d.streamKey ? `${d.url.replace(/\/$/, '')}/${d.streamKey}` : d.url;
  return [...common, '-bsf:a', 'aac_adtstoasc', '-rw_timeout', '10000000', '-f', 'flv', url];
}

export class Output extends EventEmitter<OutputEvents> {
  #dest: Destination;
  readonly #log: Logger;
  #status: OutputStatus = initialStatus();
  #ffmpeg?: ChildProcess;
  #timer?: NodeJS.Timeout;
  #probeFailures = 0;
  #accepted = 0; // bytes the muxer handed on, last reading
  #lastAcceptedAt = 0;
  #bitrateKbps = 0;
  #queued = 0;
  #lastWriteAt = 0;
  dropped = 0;

  constructor(dest: Destination, log: Logger) {
    super();
    this.#dest = dest;
    this.#log = log.child({ module: 'output', output: dest.id, destination: dest.name, protocol: dest.protocol });
  }

  get id(): string {
    return this.#dest.id;
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
    this.#spawn();
  }

  /** A chunk of the encoded program. Never blocks: a destination that lags drops its own data. */
  write(chunk: Buffer): void {
    const stdin = this.#ffmpeg?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    if (this.#queued > MAX_QUEUED_BYTES) {
      this.dropped += chunk.length;
      return;
    }
    this.#queued += chunk.length;
    this.#lastWriteAt = Date.now();
    stdin.write(chunk, () => { this.#queued -= chunk.length; });
  }

  #apply(e: OutputEvent): void {
    const before = this.#status;
    this.#status = nextStatus(before, e);
    if (before.state !== this.#status.state) {
      this.#log.info({ from: before.state, to: this.#status.state, error: this.#status.lastError }, `destination ${this.#status.state}`);
    }
    this.emit('changed');
  }

  #spawn(): void {
    this.#apply({ type: 'start' });
    let ffmpeg: ChildProcess;
    try {
      ffmpeg = spawnChild('ffmpeg', outputArgs(this.#dest), { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      // A destination that cannot even start (a URL stored by an older version that
      // ffmpeg cannot take) says so, and keeps retrying slowly, like any bad URL.
      this.#log.error({ err: this.#scrub((err as Error).message) }, 'cannot start the destination process');
      this.#apply({ type: 'exited', kind: 'bad-url', error: 'this destination cannot start: check its URL' });
      this.#scheduleRetry();
      return;
    }
    this.#ffmpeg = ffmpeg;
    const spawnedAt = Date.now();
    this.#accepted = 0;
    this.#queued = 0;
    this.#lastAcceptedAt = Date.now();
    let stderr = '';
    ffmpeg.stdin!.on('error', () => undefined); // EPIPE when ffmpeg exits: its exit says why
    ffmpeg.stderr!.on('data', (d: Buffer) => { stderr = (stderr + this.#scrub(d.toString())).slice(-4000); });
    let progress = '';
    ffmpeg.stdout!.on('data', (d: Buffer) => {
      progress += d;
      let end: number;
      while ((end = progress.indexOf('progress=')) >= 0) {
        const nl = progress.indexOf('\n', end);
        if (nl < 0) break;
        this.#onProgress(progress.slice(0, nl));
        progress = progress.slice(nl + 1);
      }
    });
    ffmpeg.once('error', (err) => this.#log.error({ err: this.#scrub(err.message) }, 'cannot run ffmpeg for a destination (is ffmpeg installed?)'));
    ffmpeg.once('exit', (code, signal) => {
      if (this.#ffmpeg !== ffmpeg) return;
      this.#ffmpeg = undefined;
      let { kind, message } = classifyError(stderr);
      // Connected, then dropped at once without taking any media: platforms do that to
      // a wrong stream key (RTMP has no standard error for it). A drop after media
      // flowed is a network problem, retried.
      if (kind === 'network' && this.#accepted <= 8192 && Date.now() - spawnedAt < 5000) {
        kind = 'rejected';
        message = 'the server closed the connection as the stream started: the stream key (or URL path) was most likely refused';
      }
      this.#log.warn({ code, signal, kind, detail: stderr.trim().split('\n').slice(-3).join(' | ') }, 'destination process ended');
      this.#apply({ type: 'exited', error: message, kind });
      this.#scheduleRetry();
    });
    this.#probeFailures = 0;
    let probing = false;
    const stallCheck = setInterval(() => {
      if (this.#ffmpeg !== ffmpeg) return clearInterval(stallCheck);
      const now = Date.now();
      // While live, ask the server for a handshake every second (RTMP/RTMPS; SRT's own
      // keepalives end a dead session by themselves): a frozen server never answers.
      if (this.#status.state === 'live' && this.#dest.protocol !== 'srt' && !probing) {
        probing = true;
        void probeRtmp(this.#dest.url).then(({ ok, why }) => {
          probing = false;
          if (this.#ffmpeg !== ffmpeg) return;
          this.#probeFailures = ok ? 0 : this.#probeFailures + 1;
          if (this.#probeFailures >= 2) this.#stalled(ffmpeg, `the server stopped answering: ${why}`);
        });
      }
      if (this.#status.state === 'live' && now - this.#lastWriteAt > STARVED_MS) {
        this.#apply({ type: 'starved', why: 'no program to send: the program encoder is not producing (it restarts by itself)' });
      }
      if (this.#accepted === 0) {
        if (now - spawnedAt > CONNECT_TIMEOUT_MS) {
          clearInterval(stallCheck);
          this.#stalled(ffmpeg, `no connection after ${CONNECT_TIMEOUT_MS / 1000} s`);
        }
      } else if (now - this.#lastAcceptedAt > STALL_MS && now - this.#lastWriteAt < 1000) {
        // We keep feeding it, and nothing goes out.
        clearInterval(stallCheck);
        this.#stalled(ffmpeg, `no data accepted for ${Math.round(STALL_MS / 1000)} s`);
      }
    }, 1000);
  }

  #onProgress(block: string): void {
    const total = Number(/(?:^|\n)total_size=(\d+)/.exec(block)?.[1] ?? NaN);
    if (!Number.isFinite(total)) return;
    const now = Date.now();
    if (total > this.#accepted) {
      const secs = Math.max(0.5, (now - this.#lastAcceptedAt) / 1000);
      this.#bitrateKbps = Math.round(((total - this.#accepted) * 8) / 1000 / secs);
      this.#accepted = total;
      this.#lastAcceptedAt = now;
      // Live means the destination took media beyond the stream header.
      if (total > 8192 && this.#probeFailures === 0) this.#apply({ type: 'progress', acceptedBytes: total, at: now });
    }
  }

  #stalled(ffmpeg: ChildProcess, why: string): void {
    if (this.#ffmpeg !== ffmpeg) return;
    this.#ffmpeg = undefined;
    ffmpeg.kill('SIGKILL');
    this.#apply({ type: 'stalled', why: `the destination stopped taking data (${why})` });
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    clearTimeout(this.#timer);
    const permanent = this.#status.errorKind ? PERMANENT.has(this.#status.errorKind) : false;
    const delay = backoffMs(this.#status.attempt, permanent);
    this.#timer = setTimeout(() => this.#spawn(), delay);
  }

  #kill(): void {
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = undefined;
    ffmpeg?.kill('SIGKILL');
  }

  /** ffmpeg repeats the URL in its errors; no secret may reach a log or the UI, in any encoding. */
  #scrub(text: string): string {
    return scrubSecrets(text, this.#dest);
  }
}
