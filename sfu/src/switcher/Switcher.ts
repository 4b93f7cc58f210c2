// Preview and program. The program is one pair of producers (H.264 + Opus) on a
// "program router"; every source (camera or slate) is piped there and tapped with a
// DirectTransport consumer, and the splicers forward the on-air source's packets
// into the program producers. A cut changes which source feeds them, on a keyframe,
// without decoding and without downstream ever seeing a new stream.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { ProgramView } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { NotFound, Conflict } from '../errors.js';
import { createProgramFeed, PROGRAM_AUDIO, PROGRAM_VIDEO, type ProgramFeed } from './ProgramFeed.js';
import { RtpSplicer } from './RtpSplicer.js';

export const SLATE_ID = 'slate';
/**
 * The on-air source sent no video for this long: the slate takes over. Long enough to
 * ride out a phone's network hiccup or a busy machine, short enough that, with the
 * slate's keyframe every 0.2 s, viewers see the slate within about a second.
 */
const STALL_MS = 800;
const KEYFRAME_REQUEST_INTERVAL_MS = 300;
/** the covered camera counts as back once its video arrived this recently */
const RETURN_MS = 300;
/** no video out of the program for this long: the studio shows an alarm */
const NO_PICTURE_MS = 1500;

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
  #program!: ProgramFeed;
  #preview?: string;
  /** the slate covers `from`; `resume`: put it back on air by itself when it is back (after a restart) */
  #fallback?: { from: string; reason: string; backAt?: number; resume?: boolean };
  /** what the director last put on air: what a restarted server puts back */
  #intended?: string;
  /** the program being built again (its worker died): everything that needs it waits */
  #building?: Promise<void>;
  #takenAt = 0;
  /** what was in preview when the slate took over: the returning camera only replaces that */
  #previewAtFallback?: string;
  #lastKeyframeRequest = 0;
  #watchdog?: NodeJS.Timeout;
  #closed = false;
  #lastOutAt = Date.now();
  #pendingReported = 0;
  #alarm?: string;

  private constructor(pool: WorkerPool, log: Logger) {
    super();
    this.#pool = pool;
    this.#log = log.child({ module: 'switcher' });
  }

  static async create(pool: WorkerPool, log: Logger): Promise<Switcher> {
    const s = new Switcher(pool, log);
    await s.#build();
    s.#watchdog = setInterval(() => s.#checkStall(), 100);
    return s;
  }

  /** The program producers, for whoever consumes the program (monitor, encoder); waits while they are rebuilt. */
  async programProducers(): Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }> {
    await this.#building;
    return { video: this.#program.video, audio: this.#program.audio, router: this.#program.router };
  }

  /** What a restarted server puts back: the director's program and preview. */
  get intent(): { program?: string; preview?: string } {
    return { program: this.#intended, preview: this.#preview };
  }

  /**
   * After a restart: the slate covers until the camera that was on air is back, then
   * that camera goes back on air by itself; preview is what it was.
   */
  resume(intent: { program?: string; preview?: string }, label: string): void {
    this.#preview = intent.preview;
    this.#intended = intent.program;
    if (intent.program && intent.program !== SLATE_ID) {
      this.#fallback = { from: intent.program, reason: `Régie restarted; the slate covers until "${label}" is back, then it goes on air by itself`, resume: true };
      this.#log.info({ source: intent.program }, 'resuming the show: waiting for the camera that was on air');
    }
    this.emit('changed');
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
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
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
    this.#resumeWanted();
    this.ensureOnAir();
    this.emit('changed');
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
        if (kind === 'video') this.#lastOutAt = now;
      }
    });
    consumer.observer.once('close', () => {
      if (source.taps[kind] === consumer) delete source.taps[kind];
    });
  }

  #onVideoSwitched(sourceId: string): void {
    this.#audio.select(sourceId); // audio follows video, at the same instant
    // How long the switch waited for the new source's keyframe (what a cut costs).
    const keyframeWaitMs = this.#takenAt ? Date.now() - this.#takenAt : undefined;
    this.#log.info({ source: sourceId, keyframeWaitMs }, 'on air');
    this.#resumeWanted();
    this.emit('changed');
  }

  setPreview(sourceId: string): void {
    if (!this.#sources.has(sourceId)) throw new NotFound(`there is no source "${sourceId}" to preview`);
    this.#preview = sourceId;
    this.emit('changed');
  }

  /** Preview goes on air; what was on air goes to preview (as on a hardware switcher). */
  cut(): void {
    const next = this.#preview;
    if (!next) throw new Conflict('nothing is in preview: pick a source first');
    const source = this.#sources.get(next);
    if (!source?.taps.video) throw new Conflict(`"${source?.label ?? next}" is not sending video yet`);
    const current = this.#video.pending ?? this.#video.active;
    this.#preview = current && current !== next ? current : this.#preview;
    this.#fallback = undefined;
    this.#intended = next;
    this.#take(next);
    this.#log.info({ source: next, onAir: this.#video.active, pending: this.#video.pending }, 'cut');
  }

  #take(sourceId: string): void {
    this.#takenAt = Date.now();
    this.#video.select(sourceId);
    if (this.#video.active === undefined) this.#audio.select(undefined);
    this.#resumeWanted();
    this.#requestKeyFrame(true);
    this.emit('changed');
  }

  /** Only the on-air and pending sources flow into the program router's taps. */
  #resumeWanted(): void {
    // The camera the slate covers keeps flowing in, so its return is seen at once.
    const covered = this.#fallback && !this.#fallback.backAt ? this.#fallback.from : undefined;
    const wanted = new Set([this.#video.active, this.#video.pending, covered].filter(Boolean));
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

  /** With nothing on air (at start, or anything lost), the slate is: the program always has a picture. */
  ensureOnAir(): void {
    const slate = this.#sources.get(SLATE_ID);
    if (this.#video.active === undefined && this.#video.pending === undefined && slate && this.#present(slate)) {
      this.#take(SLATE_ID);
    }
  }

  #requestKeyFrame(now = false): void {
    const t = Date.now();
    if (!now && t - this.#lastKeyframeRequest < KEYFRAME_REQUEST_INTERVAL_MS) return;
    this.#lastKeyframeRequest = t;
    const id = this.#video.pending ?? this.#video.active;
    const tap = id ? this.#sources.get(id)?.taps.video : undefined;
    if (tap && !tap.closed) void tap.requestKeyFrame().catch(() => undefined);
  }

  /** A switch that waits for its keyframe longer than it should says why, once. */
  #checkPending(): void {
    const id = this.#video.pending;
    if (!id || Date.now() - this.#takenAt < 2000 || this.#pendingReported === this.#takenAt) return;
    this.#pendingReported = this.#takenAt;
    const source = this.#sources.get(id);
    const tap = source?.taps.video;
    this.#log.warn({
      source: id, waitedMs: Date.now() - this.#takenAt, present: source ? this.#present(source) : false,
      tap: tap ? { closed: tap.closed, paused: tap.paused, producerPaused: tap.producerPaused } : 'none',
      sinceLastVideoMs: source?.lastVideoAt ? Date.now() - source.lastVideoAt : 'never',
    }, 'a switch is still waiting for its source\'s keyframe');
    this.#requestKeyFrame(true);
  }

  /** The program never stalls: a silent on-air source is replaced by the slate. */
  #checkStall(): void {
    this.ensureOnAir();
    this.#checkPending();
    this.#checkReturn();
    this.#checkPicture();
    const onAir = this.#video.active;
    if (!onAir || onAir === SLATE_ID || this.#video.pending === SLATE_ID) return;
    const source = this.#sources.get(onAir);
    const silentFor = Date.now() - (source?.lastVideoAt ?? 0);
    // A source whose producer lives is still there while its tap is made anew (the
    // program rebuilt after a worker died): only silence puts the slate on.
    const present = Boolean(source && this.#present(source));
    if (present && silentFor < STALL_MS) return;
    const reason = present ? `no video from "${source!.label}" for ${silentFor} ms` : `"${source?.label ?? onAir}" left`;
    this.#fallback = { from: onAir, reason };
    this.#previewAtFallback = this.#preview;
    this.#log.warn({ source: onAir, reason }, 'on-air source stalled; slate on air');
    // Even while the slate itself is being made anew: it goes on air with its first keyframe.
    this.#take(SLATE_ID);
  }

  /** The source's video producer exists and lives (its tap may be on its way). */
  #present(source: Source): boolean {
    const origin = source.origins.video;
    return Boolean(origin && !origin.producer.closed && !origin.router.closed);
  }

  /** The program must never be without picture; if it is, the studio shows an alarm. */
  #checkPicture(): void {
    const silentFor = Date.now() - this.#lastOutAt;
    const alarm = silentFor > NO_PICTURE_MS
      ? `No picture on the program for ${Math.floor(silentFor / 1000)} s: ${this.#video.pending ? `waiting for "${this.#sources.get(this.#video.pending)?.label ?? this.#video.pending}" to send a picture` : 'no source is sending video'}`
      : undefined;
    if (alarm === this.#alarm) return;
    if (alarm && !this.#alarm) this.#log.error({ pending: this.#video.pending, active: this.#video.active }, 'no picture on the program');
    if (!alarm && this.#alarm) this.#log.info('the program has a picture again');
    this.#alarm = alarm;
    this.emit('changed');
  }

  /**
   * The camera the slate replaced sends again: the director is told, and it waits in
   * preview (one key takes it back on air) unless the director picked another preview.
   */
  #checkReturn(): void {
    const fallback = this.#fallback;
    if (!fallback || fallback.backAt) return;
    if (!fallback.resume && this.#video.active !== SLATE_ID) return;
    const source = this.#sources.get(fallback.from);
    if (!source?.taps.video || Date.now() - source.lastVideoAt > RETURN_MS) return;
    if (fallback.resume) {
      this.#fallback = undefined;
      this.#log.info({ source: fallback.from }, 'the camera that was on air before the restart is back; on air again');
      this.#take(fallback.from);
      return;
    }
    fallback.backAt = Date.now();
    if (this.#preview === this.#previewAtFallback) this.#preview = fallback.from;
    this.#resumeWanted();
    this.#log.info({ source: fallback.from }, 'the camera the slate replaced is back; in preview');
    this.emit('changed');
  }

  removeSource(sourceId: string): void {
    const s = this.#sources.get(sourceId);
    if (!s) return;
    for (const tap of Object.values(s.taps)) tap.close();
    this.#sources.delete(sourceId);
    if (this.#preview === sourceId) this.#preview = undefined;
    if (this.#intended === sourceId) this.#intended = undefined;
    if (this.#fallback?.resume && this.#fallback.from === sourceId) this.#fallback = undefined;
    this.emit('changed');
  }

  view(): ProgramView {
    const ref = (p: types.Producer) => ({ producerId: p.id, routerId: this.#program.router.id });
    return {
      preview: this.#preview,
      program: this.#video.active,
      pending: this.#video.pending,
      fallback: this.#fallback,
      alarm: this.#alarm,
      video: ref(this.#program.video),
      audio: ref(this.#program.audio),
    };
  }

  /** What a camera's tally light shows. */
  tally(sourceId: string): 'program' | 'preview' | 'idle' {
    if (this.#video.active === sourceId) return 'program';
    if (this.#preview === sourceId || this.#video.pending === sourceId) return 'preview';
    return 'idle';
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.#program.tap.close();
    this.#program.feed.close();
  }
}
