// RTMP and RTMPS: ffmpeg only remuxes the program to FLV on its stdout — no URL, no
// stream key in its command line — and Régie publishes that FLV itself (RtmpPublisher),
// so the key never leaves this process. Owning the connection also tells us how the
// server is doing without knocking on its door: it acknowledges what it has read
// (we ask it to, every 128 KiB), so a frozen server shows as acknowledgements that stop.
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log.js';
import type { Destination } from '../Destination.js';
import { classifyError } from '../outputState.js';
import { FlvReader } from '../rtmp/FlvReader.js';
import { RtmpPublisher } from '../rtmp/RtmpPublisher.js';
import type { Link, LinkEvents } from './Link.js';
import { remuxInput, RemuxProcess } from './RemuxProcess.js';

/** ffmpeg writes FLV to its stdout and may open nothing else. */
export const rtmpRemuxArgs = () =>
  [...remuxInput(), '-bsf:a', 'aac_adtstoasc', '-flvflags', 'no_duration_filesize', '-protocol_whitelist', 'pipe', '-f', 'flv', 'pipe:1'];

/** From the TCP connect to the server's "publishing": a server that never answers is left after this. */
const PUBLISH_TIMEOUT_MS = 7_000;
/** How many bytes the server may read before it acknowledges them. */
const WINDOW_ACK_BYTES = 128 * 1024;
/** No acknowledgement for this long while we sent several windows: the server stopped reading. */
const ACK_SILENCE_MS = 4000;
/** A server that never acknowledges: Node's queue for it past this means it stopped reading. */
const STUCK_QUEUE_BYTES = 1024 * 1024;

/**
 * Where to publish: the URL and the stream key as stored; with no key, the URL's last
 * path element is the stream name (rtmp://host/app/name, as ffmpeg and OBS read a URL
 * that carries it).
 */
export function rtmpTarget(d: Pick<Destination, 'url' | 'streamKey'>): { url: string; streamKey: string } {
  if (d.streamKey) return { url: d.url, streamKey: d.streamKey };
  const u = new URL(d.url);
  const parts = u.pathname.split('/').filter(Boolean);
  if (parts.length < 2) return { url: d.url, streamKey: '' };
  const name = parts.pop()!;
  u.pathname = `/${parts.join('/')}`;
  return { url: u.toString(), streamKey: decodeURIComponent(name) };
}

export class RtmpLink extends EventEmitter<LinkEvents> implements Link {
  readonly #remux: RemuxProcess;
  readonly #publisher: RtmpPublisher;
  readonly #poll: NodeJS.Timeout;
  #ended = false;
  #acks = 0;
  #sentAtLastAck = 0;
  #lastAckAt = 0;
  #accepted = 0;

  constructor(d: Destination, scrub: (text: string) => string, log: Logger) {
    super();
    const { url, streamKey } = rtmpTarget(d);
    this.#publisher = new RtmpPublisher({
      url, streamKey, timeoutMs: PUBLISH_TIMEOUT_MS, windowAckSize: WINDOW_ACK_BYTES, log,
    });
    this.#remux = new RemuxProcess(rtmpRemuxArgs(), scrub, log);
    const flv = new FlvReader();
    this.#remux.stdout.on('data', (chunk: Buffer) => {
      if (this.#ended) return;
      try {
        for (const tag of flv.push(chunk)) this.#publisher.writeTag(tag);
      } catch (err) {
        this.#end({ kind: 'network', message: 'the remuxed stream could not be read', detail: (err as Error).message });
      }
    });
    this.#remux.on('exit', (code, signal, stderr) => {
      const { kind, message } = classifyError(stderr);
      this.#end({ kind, message, detail: `ffmpeg ${signal ?? code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
    this.#publisher.on('closed', (err) => {
      if (err) this.#end({ kind: err.kind, message: err.message });
    });
    this.#publisher.start().catch(() => undefined); // its 'closed' says why
    this.#poll = setInterval(() => {
      const l = this.#publisher.liveness();
      if (l.acks !== this.#acks) {
        this.#acks = l.acks;
        this.#lastAckAt = Date.now();
        this.#sentAtLastAck = l.bytesSent;
      }
      if (this.#publisher.published && l.bytesAccepted > this.#accepted) {
        this.#accepted = l.bytesAccepted;
        this.emit('accepted', l.bytesAccepted);
      }
    }, 500);
  }

  write(chunk: Buffer): void {
    this.#remux.write(chunk);
  }

  frozen(now: number): string | undefined {
    if (!this.#publisher.published) return undefined;
    const l = this.#publisher.liveness();
    if (this.#acks > 0) {
      const unacked = l.bytesSent - this.#sentAtLastAck;
      if (now - this.#lastAckAt > ACK_SILENCE_MS && unacked > 2 * WINDOW_ACK_BYTES) {
        return `the server acknowledged nothing of the last ${Math.round(unacked / 1024)} KiB for ${Math.round((now - this.#lastAckAt) / 1000)} s`;
      }
      return undefined;
    }
    // A server that never acknowledges: only Node's own queue for it can tell.
    return l.queuedBytes > STUCK_QUEUE_BYTES ? `the server stopped reading (${Math.round(l.queuedBytes / 1024)} KiB waiting to be sent)` : undefined;
  }

  #end(end: { kind: LinkEvents['ended'][0]['kind']; message: string; detail?: string }): void {
    if (this.#ended) return;
    this.#shutdown();
    this.emit('ended', end);
  }

  #shutdown(): void {
    this.#ended = true;
    clearInterval(this.#poll);
    this.#remux.kill();
  }

  close(): void {
    if (this.#ended) return;
    this.#shutdown();
    void this.#publisher.close(); // FCUnpublish, deleteStream: the platform ends the stream cleanly
  }
}
