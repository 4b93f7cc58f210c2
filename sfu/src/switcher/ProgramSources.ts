// Every source (camera, slate, the mixer's output) as the program router sees it:
// piped there from its own router and tapped with a DirectTransport consumer whose
// packets the switcher splices. Taps are paused unless wanted: a source flows into
// Node only while it is on air, about to be, or awaited.
import type { types } from 'mediasoup';
import type { ProgramFeed } from './ProgramFeed.js';

export type Kind = 'audio' | 'video';
export type Origin = { producer: types.Producer; router: types.Router };
export type Source = {
  id: string;
  label: string;
  origins: Partial<Record<Kind, Origin>>;
  taps: Partial<Record<Kind, types.Consumer>>;
  /** when its tap last had a video packet (0: never) */
  lastVideoAt: number;
};

export class ProgramSources {
  readonly #map = new Map<string, Source>();
  /** the program as it is (waits while it is being rebuilt) */
  readonly #program: () => Promise<ProgramFeed>;
  readonly #onRtp: (source: Source, kind: Kind, packet: Buffer) => void;

  constructor(program: () => Promise<ProgramFeed>, onRtp: (source: Source, kind: Kind, packet: Buffer) => void) {
    this.#program = program;
    this.#onRtp = onRtp;
  }

  get(id: string): Source | undefined {
    return this.#map.get(id);
  }

  values(): IterableIterator<Source> {
    return this.#map.values();
  }

  /** A source's producer (made anew, or for the first time): tapped into the program. */
  async add(sourceId: string, label: string, producer: types.Producer, router: types.Router): Promise<void> {
    let source = this.#map.get(sourceId);
    if (!source) {
      source = { id: sourceId, label, origins: {}, taps: {}, lastVideoAt: 0 };
      this.#map.set(sourceId, source);
    }
    source.label = label;
    const kind = producer.kind;
    source.taps[kind]?.close();
    source.origins[kind] = { producer, router };
    await this.#tap(source, kind, { producer, router });
  }

  async #tap(source: Source, kind: Kind, origin: Origin): Promise<void> {
    const program = await this.#program();
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
    consumer.on('rtp', (packet) => {
      if (kind === 'video') source.lastVideoAt = Date.now();
      this.#onRtp(source, kind, packet);
    });
    consumer.observer.once('close', () => {
      if (source.taps[kind] === consumer) delete source.taps[kind];
    });
  }

  /** The program router was lost: every tap with it. */
  forgetTaps(): void {
    for (const s of this.#map.values()) s.taps = {};
  }

  /** Into the rebuilt program, every source whose producer lives; `failed` says which could not be. */
  async retapAll(failed: (source: string, kind: Kind, err: Error) => void): Promise<void> {
    for (const s of this.#map.values()) {
      for (const [kind, origin] of Object.entries(s.origins) as [Kind, Origin][]) {
        if (!origin.producer.closed && !origin.router.closed) await this.#tap(s, kind, origin).catch((err: Error) => failed(s.id, kind, err));
      }
    }
  }

  /** Only the wanted sources flow into their taps. */
  resume(wanted: Set<string | undefined>): void {
    for (const s of this.#map.values()) {
      for (const tap of Object.values(s.taps)) {
        if (tap.closed) continue;
        // A video tap forwards nothing before a keyframe (a simulcast one picks its layer
        // on it), and with the mixer composing, nothing else asks the camera for one.
        if (wanted.has(s.id) && tap.paused) void tap.resume().then(() => (tap.kind === 'video' ? tap.requestKeyFrame() : undefined)).catch(() => undefined);
        else if (!wanted.has(s.id) && !tap.paused) void tap.pause().catch(() => undefined);
      }
    }
  }

  requestKeyFrame(id: string): void {
    const tap = this.#map.get(id)?.taps.video;
    if (tap && !tap.closed) void tap.requestKeyFrame().catch(() => undefined);
  }

  /** A source's producers whose tap exists (so they are piped to the program router). */
  tappedProducers(id: string): Partial<Record<Kind, types.Producer>> {
    const s = this.#map.get(id);
    return s ? Object.fromEntries((Object.entries(s.origins) as [Kind, Origin][]).filter(([kind]) => s.taps[kind]).map(([kind, o]) => [kind, o.producer])) : {};
  }

  /** A source's video tap as a log line tells it (a switch that waits too long). */
  describeTap(id: string): { tap: object | string; sinceLastVideoMs: number | string } {
    const source = this.#map.get(id);
    const tap = source?.taps.video;
    return {
      tap: tap ? { closed: tap.closed, paused: tap.paused, producerPaused: tap.producerPaused } : 'none',
      sinceLastVideoMs: source?.lastVideoAt ? Date.now() - source.lastVideoAt : 'never',
    };
  }

  /** Gone for good: its taps closed. */
  remove(id: string): boolean {
    const s = this.#map.get(id);
    if (!s) return false;
    for (const tap of Object.values(s.taps)) tap.close();
    this.#map.delete(id);
    return true;
  }
}
