// One operator's connection: a WebRTC send transport on one router, and the
// camera's producers. It watches the media actually arriving (bytes, not
// "connected") so the director sees a stalled phone within a couple of seconds.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { CameraStats, TransportInfo } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { transportInfo, webRtcTransportOptions } from '../media/webRtcTransport.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { RequestError } from '../signaling/requests.js';

export type MediaPlace = { router: types.Router; webRtcServer: types.WebRtcServer };

type CameraSessionEvents = {
  /** The router went away (worker died): the page must publish again. */
  lost: [reason: string];
  /** Producers, media flow or stats changed. */
  changed: [];
  /** A new producer is up (the switcher taps it into the program router). */
  produced: [producer: types.Producer, router: types.Router];
};

export type CameraReport = { width: number; height: number; fps: number };

// Half a second: a dropped camera is noticed within stallMs + 0.5 s.
const STATS_INTERVAL_MS = 500;

export class CameraSession extends EventEmitter<CameraSessionEvents> {
  readonly slotId: string;
  readonly #pool: WorkerPool;
  #place?: MediaPlace;
  #transport?: types.WebRtcTransport;
  readonly #producers = new Map<'audio' | 'video', types.Producer>();
  readonly #log: Logger;
  readonly #stallMs: number;
  #report: CameraReport = { width: 0, height: 0, fps: 0 };
  #stats?: CameraStats;
  #lastBytes = 0;
  #lastMediaAt = 0;
  #flowing = false;
  #timer?: NodeJS.Timeout;
  #closed = false;

  constructor(slotId: string, pool: WorkerPool, opts: { log: Logger; stallMs: number }) {
    super();
    this.slotId = slotId;
    this.#pool = pool;
    this.#log = opts.log;
    this.#stallMs = opts.stallMs;
  }

  get routerId(): string | undefined {
    return this.#place?.router.id;
  }

  producer(kind: 'audio' | 'video'): types.Producer | undefined {
    return this.#producers.get(kind);
  }

  /** none: no video yet; flowing: arrived within the stall window; stalled: stopped arriving. */
  get media(): 'none' | 'flowing' | 'stalled' {
    if (!this.#producers.has('video') || this.#lastBytes === 0) return 'none';
    return this.#flowing ? 'flowing' : 'stalled';
  }

  get stats(): CameraStats | undefined {
    return this.#stats;
  }

  async createTransport(): Promise<TransportInfo> {
    this.#teardown(); // one transport per camera page; a new request replaces the old
    // A router whose worker died is replaced by the least loaded live one (waiting while
    // the pool restarts workers).
    if (!this.#place || this.#place.router.closed) this.#place = await this.#pool.pickWhenReady();
    const place = this.#place;
    const transport = await place.router.createWebRtcTransport(webRtcTransportOptions(place.webRtcServer));
    this.#transport = transport;
    transport.on('routerclose', () => this.#lose('the SFU\'s media worker stopped'));
    transport.on('listenserverclose', () => this.#lose('the SFU\'s media worker stopped'));
    transport.on('icestatechange', (state) => this.#log.info({ ice: state }, 'camera ICE state'));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.#log.warn({ dtls: state }, 'camera DTLS ended');
    });
    return transportInfo(transport);
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#ownTransport(transportId).connect({ dtlsParameters });
  }

  async produce(transportId: string, kind: 'audio' | 'video', rtpParameters: types.RtpParameters): Promise<types.Producer> {
    const transport = this.#ownTransport(transportId);
    if (this.#producers.has(kind)) throw new RequestError('conflict', `this camera already sends ${kind}`);
    let producer: types.Producer;
    try {
      producer = await transport.produce({ kind, rtpParameters, appData: { slotId: this.slotId } });
    } catch (err) {
      throw new RequestError('media-error', `the SFU cannot take this ${kind} stream: ${(err as Error).message}`);
    }
    this.#producers.set(kind, producer);
    producer.observer.once('close', () => {
      if (this.#producers.get(kind) === producer) this.#producers.delete(kind);
      this.emit('changed');
    });
    this.#log.info({ kind, codec: rtpParameters.codecs[0]?.mimeType, layers: rtpParameters.encodings?.length ?? 1 }, 'camera producing');
    if (kind === 'video') this.#startWatching();
    this.emit('produced', producer, this.#place!.router);
    this.emit('changed');
    return producer;
  }

  setReport(report: CameraReport): void {
    this.#report = report;
  }

  #ownTransport(transportId: string): types.WebRtcTransport {
    if (!this.#transport || this.#transport.id !== transportId || this.#transport.closed) {
      throw new RequestError('not-found', 'unknown transport (it was replaced or closed); create a new one');
    }
    return this.#transport;
  }

  #startWatching(): void {
    if (this.#timer) return;
    this.#lastMediaAt = Date.now();
    this.#timer = setInterval(() => void this.#poll(), STATS_INTERVAL_MS);
  }

  async #poll(): Promise<void> {
    const video = this.#producers.get('video');
    if (!video || video.closed) return;
    let streams: types.ProducerStat[];
    try {
      streams = await video.getStats();
    } catch {
      return; // closed between the check and the call
    }
    const bytes = streams.reduce((n, s) => n + s.byteCount, 0);
    const now = Date.now();
    if (bytes > this.#lastBytes) this.#lastMediaAt = now;
    this.#lastBytes = bytes;
    const flowing = now - this.#lastMediaAt < this.#stallMs;
    const best = streams.reduce<types.ProducerStat | undefined>((b, s) => (!b || s.bitrate > b.bitrate ? s : b), undefined);
    const packets = streams.reduce((n, s) => n + s.packetCount, 0);
    const lost = streams.reduce((n, s) => n + s.packetsLost, 0);
    this.#stats = {
      ...this.#report,
      bitrate: flowing ? streams.reduce((n, s) => n + s.bitrate, 0) : 0,
      // fractionLost is per RTCP interval; use the recent value of the busiest layer
      loss: best ? best.fractionLost / 256 : packets > 0 ? lost / packets : 0,
      score: best?.score ?? 0,
    };
    if (flowing !== this.#flowing) {
      this.#flowing = flowing;
      this.#log.info({ flowing }, flowing ? 'camera media flowing' : 'camera media stalled');
    }
    this.emit('changed');
  }

  #lose(reason: string): void {
    if (this.#closed) return;
    this.#teardown();
    this.emit('lost', reason);
  }

  #teardown(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#flowing = false;
    this.#stats = undefined;
    this.#lastBytes = 0;
    for (const p of this.#producers.values()) p.close();
    this.#producers.clear();
    this.#transport?.close();
    this.#transport = undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#teardown();
    this.#closed = true;
    this.emit('changed');
  }
}
