// One camera slot's media session: a WebRTC send transport on one router, and the
// camera's producers. It outlives a dropped signalling connection for a while (the
// page comes back and restarts ICE on the same transport: same producers, same tile).
// It watches the media actually arriving (bytes, not "connected") so the director
// sees a stalled phone within a couple of seconds, and keeps a minute of history.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { CameraStats, CameraStatus, HealthSample, TransportInfo } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { transportInfo, webRtcTransportOptions } from '../media/webRtcTransport.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { NotFound, Conflict, MediaError } from '../errors.js';

export type MediaPlace = { router: types.Router; webRtcServer: types.WebRtcServer };

type CameraSessionEvents = {
  /** The router went away (worker died): the page must publish again. */
  lost: [reason: string];
  /** Producers, media flow or stats changed. */
  changed: [];
  /** A new producer is up (the switcher taps it into the program router). */
  produced: [producer: types.Producer, router: types.Router];
  /** The transport's ICE or DTLS state changed (what a camera without signalling is judged by). */
  connection: [ice: types.IceState, dtls: types.DtlsState, transportId: string];
};

export type CameraReport = { width: number; height: number; fps: number };

// Half a second: a dropped camera is noticed within noSignalMs + 0.5 s.
const STATS_INTERVAL_MS = 500;
const HISTORY_SECONDS = 60;

export class CameraSession extends EventEmitter<CameraSessionEvents> {
  readonly slotId: string;
  /** what sends in the slot now: the camera page, an encoder over WHIP, or one over SRT */
  sender: 'page' | 'whip' | 'srt' = 'page';
  readonly #pool: WorkerPool;
  #place?: MediaPlace;
  /** the router the producers are on (the transport's, or an adopting input's) */
  #producerRouter?: types.Router;
  #transport?: types.WebRtcTransport;
  readonly #producers = new Map<'audio' | 'video', types.Producer>();
  readonly #log: Logger;
  readonly #noSignalMs: number;
  #report: CameraReport = { width: 0, height: 0, fps: 0 };
  #stats?: CameraStats;
  #lastBytes = 0;
  #lastMediaAt = 0;
  #flowing = false;
  #timer?: NodeJS.Timeout;
  #closed = false;
  /** counts createTransport calls: one overtaken by a newer call drops what it made */
  #generation = 0;
  #status?: CameraStatus;
  readonly #history: HealthSample[] = [];
  /** since when the camera has been in trouble (media stalled or signalling lost) */
  #troubleSince?: number;
  #recovered?: { at: number; afterMs: number };
  /** the page's signalling connection dropped at this time; it may come back */
  #awaySince?: number;

  constructor(slotId: string, pool: WorkerPool, opts: { log: Logger; noSignalMs: number }) {
    super();
    this.slotId = slotId;
    this.#pool = pool;
    this.#log = opts.log;
    this.#noSignalMs = opts.noSignalMs;
  }

  get routerId(): string | undefined {
    return this.#producerRouter?.id ?? this.#place?.router.id;
  }

  get transportId(): string | undefined {
    return this.#transport && !this.#transport.closed ? this.#transport.id : undefined;
  }

  /** where the transport listens (a WHIP answer lists them all: it cannot trickle later) */
  get iceCandidates(): types.IceCandidate[] | undefined {
    return this.#transport && !this.#transport.closed ? this.#transport.iceCandidates : undefined;
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

  get status(): CameraStatus | undefined {
    return this.#status;
  }

  get history(): HealthSample[] {
    return this.#history;
  }

  get recovered(): { at: number; afterMs: number } | undefined {
    return this.#recovered;
  }

  /** The page's connection dropped without it saying goodbye: its slot waits for it. */
  get away(): boolean {
    return this.#awaySince !== undefined;
  }

  signallingLost(): void {
    this.#awaySince = Date.now();
    this.#troubleSince ??= this.#awaySince;
    this.emit('changed');
  }

  signallingBack(): void {
    this.#awaySince = undefined;
    this.emit('changed');
  }

  setStatus(status: CameraStatus): void {
    this.#status = status;
    this.emit('changed');
  }

  async createTransport(): Promise<TransportInfo> {
    if (this.#closed) throw new Conflict('this camera\'s slot was closed (its invite renewed, or the slot deleted)');
    this.#teardown(); // one transport per camera page; a new request replaces the old
    const generation = ++this.#generation;
    // A router whose worker died is replaced by the least loaded live one (waiting while
    // the pool restarts workers).
    if (!this.#place || this.#place.router.closed) this.#place = await this.#pool.pickWhenReady();
    const place = this.#place;
    const transport = await place.router.createWebRtcTransport(webRtcTransportOptions(place.webRtcServer));
    // Another request replaced this one, or the session closed, while it was being made.
    if (generation !== this.#generation || this.#closed) {
      transport.close();
      throw new Conflict('this transport was replaced by a newer one while it was being made');
    }
    this.#transport = transport;
    transport.on('routerclose', () => this.#lose('the SFU\'s media worker stopped'));
    transport.on('listenserverclose', () => this.#lose('the SFU\'s media worker stopped'));
    transport.on('icestatechange', (state) => {
      this.#log.info({ ice: state }, 'camera ICE state');
      this.emit('connection', state, transport.dtlsState, transport.id);
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.#log.warn({ dtls: state }, 'camera DTLS ended');
      this.emit('connection', transport.iceState, state, transport.id);
    });
    return transportInfo(transport);
  }

  /** The page's network changed: new ICE credentials on the same transport (producers kept). */
  async restartIce(transportId: string): Promise<types.IceParameters> {
    const parameters = await this.#ownTransport(transportId).restartIce();
    this.#log.info('camera ICE restart');
    return parameters;
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#ownTransport(transportId).connect({ dtlsParameters });
  }

  async produce(transportId: string, kind: 'audio' | 'video', rtpParameters: types.RtpParameters): Promise<types.Producer> {
    const transport = this.#ownTransport(transportId);
    if (this.#producers.has(kind)) throw new Conflict(`this camera already sends ${kind}`);
    let producer: types.Producer;
    try {
      producer = await transport.produce({ kind, rtpParameters, appData: { slotId: this.slotId } });
    } catch (err) {
      throw new MediaError(`the SFU cannot take this ${kind} stream: ${(err as Error).message}`);
    }
    this.#add(producer, this.#place!.router);
    return producer;
  }

  /**
   * Producers made by an input that is not a WebRTC page (an SRT encoder, through its
   * ffmpeg's plain transports): the session watches and shows them like its own. Their
   * transports stay their maker's.
   */
  adopt(producer: types.Producer, router: types.Router): void {
    if (this.#producers.has(producer.kind)) throw new Conflict(`this camera already sends ${producer.kind}`);
    this.#add(producer, router);
  }

  /**
   * An input that adopts producers takes the slot over: whatever the session still holds
   * of the sender before it (a phone's transport and producers, waiting out its grace)
   * is released first.
   */
  takeOver(): void {
    this.#teardown();
    this.emit('changed');
  }

  #add(producer: types.Producer, router: types.Router): void {
    const kind = producer.kind;
    this.#producers.set(kind, producer);
    this.#producerRouter = router;
    producer.observer.once('close', () => {
      if (this.#producers.get(kind) === producer) this.#producers.delete(kind);
      this.emit('changed');
    });
    const { rtpParameters } = producer;
    this.#log.info({ kind, codec: rtpParameters.codecs[0]?.mimeType, layers: rtpParameters.encodings?.length ?? 1 }, 'camera producing');
    if (kind === 'video') {
      // A new producer counts its bytes from zero (an adopting input's next run keeps this session).
      this.#lastBytes = 0;
      this.#lastMediaAt = Date.now();
      this.#startWatching();
    }
    this.emit('produced', producer, router);
    this.emit('changed');
  }

  setReport(report: CameraReport): void {
    this.#report = report;
  }

  #ownTransport(transportId: string): types.WebRtcTransport {
    if (!this.#transport || this.#transport.id !== transportId || this.#transport.closed) {
      throw new NotFound('unknown transport (it was replaced or closed); create a new one');
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
    const flowing = now - this.#lastMediaAt < this.#noSignalMs;
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
      if (!flowing) this.#troubleSince ??= now - this.#noSignalMs;
    }
    if (flowing && !this.away && this.#troubleSince !== undefined) {
      this.#recovered = { at: now, afterMs: now - this.#troubleSince };
      this.#log.info({ afterMs: this.#recovered.afterMs }, 'camera back');
      this.#troubleSince = undefined;
    }
    this.#sample(now);
    this.emit('changed');
  }

  /** One sample a second for the director's sparkline. */
  #sample(now: number): void {
    const last = this.#history.at(-1);
    if (last && now - last.t < 950) return; // polled every 500 ms: keep one a second
    this.#history.push({ t: now, kbps: Math.round((this.#stats?.bitrate ?? 0) / 1000), loss: this.#stats?.loss ?? 0 });
    if (this.#history.length > HISTORY_SECONDS) this.#history.shift();
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
    this.#producerRouter = undefined;
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
