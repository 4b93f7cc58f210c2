// The program's plumbing. The program is one pair of producers (H.264 + Opus) on a
// "program router"; every source (camera or slate) is piped there and tapped with a
// DirectTransport consumer, and the splicers forward the on-air source's packets
// into the program producers. A cut changes which source feeds them, on a keyframe,
// without decoding and without downstream ever seeing a new stream. What goes on air
// (cut, slate fallback, return, tally) is SwitchingPolicy's to decide.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { backoffMs } from '../../../shared/src/backoff.js';
import type { ProgramView } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { createProgramFeed, PROGRAM_AUDIO, PROGRAM_VIDEO, type ProgramFeed } from './ProgramFeed.js';
import { RtpSplicer } from './RtpSplicer.js';
import { SWITCHING, SwitchingPolicy, type ProgramDesk, type SourceSeen, type SwitchingSettings } from './SwitchingPolicy.js';

import { SLATE_ID } from './SwitchingPolicy.js';

export { SLATE_ID };

const KEYFRAME_REQUEST_INTERVAL_MS = 300;
/** a program that cannot be built yet (no live worker) is tried again soon: it is on air */
const REBUILD_BACKOFF = { firstMs: 100, maxMs: 2000 };

type Origin = { producer: types.Producer; router: types.Router };
type Source = {
  id: string;
  label: string;
  origins: Partial<Record<'audio' | 'video', Origin>>;
  taps: Partial<Record<'audio' | 'video', types.Consumer>>;
  lastVideoAt: number;
};

type SwitcherEvents = { changed: [] };

export class Switcher extends EventEmitter<SwitcherEvents> {
  readonly #pool: WorkerPool;
  readonly #log: Logger;
  readonly #sources = new Map<string, Source>();
  readonly #video = new RtpSplicer({ ...PROGRAM_VIDEO, waitForKeyframe: true });
  readonly #audio = new RtpSplicer({ ...PROGRAM_AUDIO, waitForKeyframe: false });
  readonly #policy: SwitchingPolicy;
  #program!: ProgramFeed;
  /** the program being built again (its worker died): everything that needs it waits */
  #building?: Promise<void>;
  #lastKeyframeRequest = 0;
  #pendingReported = 0;
  #watchdog?: NodeJS.Timeout;
  #closed = false;

  private constructor(pool: WorkerPool, log: Logger, settings: SwitchingSettings) {
    super();
    this.#pool = pool;
    this.#log = log.child({ module: 'switcher' });
    const video = this.#video;
    const desk: ProgramDesk = {
      get onAir() { return video.active; },
      get pending() { return video.pending; },
      source: (id) => this.#seen(id),
      take: (id) => this.#take(id),
      askKeyFrame: () => this.#requestKeyFrame(true),
    };
    this.#policy = new SwitchingPolicy(desk, this.#log, { settings });
    this.#policy.on('changed', () => {
      this.#resumeWanted();
      this.emit('changed');
    });
  }

  static async create(pool: WorkerPool, log: Logger, settings: SwitchingSettings = SWITCHING): Promise<Switcher> {
    const s = new Switcher(pool, log, settings);
    await s.#build();
    s.#watchdog = setInterval(() => {
      s.#checkPending();
      s.#policy.tick();
    }, 100);
    return s;
  }

  /** The program producers, for whoever consumes the program (monitor, encoder); waits while they are rebuilt. */
  async programProducers(): Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }> {
    await this.#building;
    return { video: this.#program.video, audio: this.#program.audio, router: this.#program.router };
  }

  /** What a restarted server puts back: the director's program and preview. */
  get intent(): { program?: string; preview?: string } {
    return this.#policy.intent;
  }

  /** After a restart: see SwitchingPolicy.resume. */
  resume(intent: { program?: string; preview?: string }, label: string): void {
    this.#policy.resume(intent, label);
  }

  setPreview(sourceId: string): void {
    this.#policy.setPreview(sourceId);
  }

  cut(): void {
    this.#policy.cut();
  }

  /** What a camera's tally light shows. */
  tally(sourceId: string): ReturnType<SwitchingPolicy['tally']> {
    return this.#policy.tally(sourceId);
  }

  #seen(id: string): SourceSeen | undefined {
    const s = this.#sources.get(id);
    if (!s) return undefined;
    const origin = s.origins.video;
    return {
      label: s.label,
      present: Boolean(origin && !origin.producer.closed && !origin.router.closed),
      tapped: Boolean(s.taps.video),
      lastVideoAt: s.lastVideoAt,
      codec: origin?.producer.rtpParameters.codecs[0]?.mimeType,
    };
  }

  async #build(): Promise<void> {
    const { router } = await this.#pool.pickWhenReady();
    const program = await createProgramFeed(router);
    program.feed.on('rtcp', () => this.#requestKeyFrame());
    // The program router's worker died: build it again at once on a live worker (not
    // when a replacement worker is up: that takes longer, and the program is on air).
    program.tap.on('routerclose', () => { this.#building = this.#rebuild(); });
    this.#program = program;
    this.#log.info({ routerId: router.id }, 'program ready');
  }

  /** Build the program again and re-tap every source; the on-air source stays on air. */
  async #rebuild(): Promise<void> {
    this.#log.warn('program router lost; rebuilding the program on a live worker');
    for (const s of this.#sources.values()) s.taps = {};
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#build();
        break;
      } catch (err) {
        if (this.#closed) return;
        this.#log.error({ attempt, err: (err as Error).message }, 'could not rebuild the program yet; trying again');
        await new Promise((r) => setTimeout(r, backoffMs(attempt, REBUILD_BACKOFF)));
      }
    }
    this.#building = undefined;
    for (const s of this.#sources.values()) {
      for (const [kind, origin] of Object.entries(s.origins)) {
        if (!origin.producer.closed && !origin.router.closed) {
          await this.#tap(s, kind as 'audio' | 'video', origin).catch((err: Error) =>
            this.#log.error({ source: s.id, kind, err: err.message }, 'could not bring a source back into the rebuilt program'));
        }
      }
    }
    this.#resumeWanted();
    this.#requestKeyFrame(true);
    this.#log.info({ routerId: this.#program.router.id }, 'program rebuilt');
    this.emit('changed');
  }

  /** A source's producer (camera or slate) becomes available to the switcher. */
  async addProducer(sourceId: string, label: string, producer: types.Producer, router: types.Router): Promise<void> {
    let source = this.#sources.get(sourceId);
    if (!source) {
      source = { id: sourceId, label, origins: {}, taps: {}, lastVideoAt: 0 };
      this.#sources.set(sourceId, source);
    }
    source.label = label;
    const kind = producer.kind;
    source.taps[kind]?.close();
    source.origins[kind] = { producer, router };
    await this.#tap(source, kind, { producer, router });
    this.#policy.sourceAdded();
  }

  async #tap(source: Source, kind: 'audio' | 'video', origin: Origin): Promise<void> {
    await this.#building;
    const program = this.#program;
    if (origin.router.id !== program.router.id) {
      await origin.router.pipeToRouter({ producerId: origin.producer.id, router: program.router });
    }
    const consumer = await program.tap.consume({
      producerId: origin.producer.id,
      rtpCapabilities: program.router.rtpCapabilities,
      paused: true,
      // The program takes the best layer the camera sends.
      ...(kind === 'video' ? { preferredLayers: { spatialLayer: 2, temporalLayer: 2 } } : {}),
    });
    source.taps[kind] = consumer;
    const splicer = kind === 'video' ? this.#video : this.#audio;
    const producer = kind === 'video' ? program.video : program.audio;
    consumer.on('rtp', (packet) => {
      const now = Date.now();
      if (kind === 'video') source.lastVideoAt = now;
      const out = splicer.push(source.id, packet, now, kind === 'video' ? (id) => this.#onVideoSwitched(id) : undefined);
      if (out && !producer.closed) {
        producer.send(out);
        if (kind === 'video') this.#policy.pictureOut();
      }
    });
    consumer.observer.once('close', () => {
      if (source.taps[kind] === consumer) delete source.taps[kind];
    });
  }

  #onVideoSwitched(sourceId: string): void {
    this.#audio.select(sourceId); // audio follows video, at the same instant
    this.#policy.switched(sourceId);
  }

  /** The policy puts a source on air: it happens at that source's next keyframe. */
  #take(sourceId: string): void {
    this.#video.select(sourceId);
    if (this.#video.active === undefined) this.#audio.select(undefined);
    this.#resumeWanted();
    this.#requestKeyFrame(true);
  }

  /** Only the on-air, pending and awaited sources flow into the program router's taps. */
  #resumeWanted(): void {
    const wanted = new Set([this.#video.active, this.#video.pending, this.#policy.awaited].filter(Boolean));
    for (const s of this.#sources.values()) {
      for (const tap of Object.values(s.taps)) {
        if (tap.closed) continue;
        if (wanted.has(s.id) && tap.paused) void tap.resume().catch(() => undefined);
        else if (!wanted.has(s.id) && !tap.paused) void tap.pause().catch(() => undefined);
      }
    }
  }

  /** A downstream consumer (the encoder starting) needs a keyframe now. */
  requestKeyFrame(): void {
    this.#requestKeyFrame(true);
  }

  #requestKeyFrame(now = false): void {
    const t = Date.now();
    if (!now && t - this.#lastKeyframeRequest < KEYFRAME_REQUEST_INTERVAL_MS) return;
    this.#lastKeyframeRequest = t;
    const id = this.#video.pending ?? this.#video.active;
    const tap = id ? this.#sources.get(id)?.taps.video : undefined;
    if (tap && !tap.closed) void tap.requestKeyFrame().catch(() => undefined);
  }

  /** A switch that waits for its keyframe longer than it should says why, once, and asks again. */
  #checkPending(): void {
    const id = this.#video.pending;
    const takenAt = this.#policy.takenAt;
    if (!id || Date.now() - takenAt < 2000 || this.#pendingReported === takenAt) return;
    this.#pendingReported = takenAt;
    const source = this.#sources.get(id);
    const tap = source?.taps.video;
    this.#log.warn({
      source: id, waitedMs: Date.now() - takenAt, present: this.#seen(id)?.present ?? false,
      tap: tap ? { closed: tap.closed, paused: tap.paused, producerPaused: tap.producerPaused } : 'none',
      sinceLastVideoMs: source?.lastVideoAt ? Date.now() - source.lastVideoAt : 'never',
    }, 'a switch is still waiting for its source\'s keyframe');
    this.#requestKeyFrame(true);
  }

  removeSource(sourceId: string): void {
    const s = this.#sources.get(sourceId);
    if (!s) return;
    for (const tap of Object.values(s.taps)) tap.close();
    this.#sources.delete(sourceId);
    this.#policy.sourceRemoved(sourceId);
  }

  view(): ProgramView {
    const ref = (p: types.Producer) => ({ producerId: p.id, routerId: this.#program.router.id });
    const slate = this.#sources.get(SLATE_ID)?.origins.video;
    return {
      preview: this.#policy.preview,
      program: this.#video.active,
      pending: this.#video.pending,
      slow: this.#policy.slow,
      abandoned: this.#policy.abandoned,
      fallback: this.#policy.fallbackView,
      alarm: this.#policy.alarm,
      video: ref(this.#program.video),
      audio: ref(this.#program.audio),
      ...(slate && !slate.producer.closed ? { slate: { producerId: slate.producer.id, routerId: slate.router.id } } : {}),
    };
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.#program.tap.close();
    this.#program.feed.close();
  }
}
