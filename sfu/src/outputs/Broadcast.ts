// Going live: the one program encode fanned out to every output — each destination
// (its own Output: process, reconnects, health), the show's recording, and the HLS
// program of the watch page.
import { EventEmitter } from 'node:events';
import type { DestinationTest, DestinationView } from '../../../shared/src/protocol.js';
import type { ProgramEncoder } from '../encoder/ProgramEncoder.js';
import type { Logger } from '../log.js';
import { Conflict, Invalid, NotFound } from '../errors.js';
import type { DestinationStore } from '../store/DestinationStore.js';
import type { OnAir, OnAirStore } from '../store/OnAirStore.js';
import type { Destination } from './Destination.js';
import { Output } from './Output.js';
import { preflight, type Preflight } from './Preflight.js';
import { sameStream } from './sameStream.js';
import { ProgramGop } from './ProgramGop.js';
import { RecordingOutput, type RecordingView } from './RecordingOutput.js';
import { HlsOutput, type HlsView } from './hls/HlsOutput.js';
import { join } from 'node:path';

type BroadcastEvents = { changed: [] };

/** Pre-flight tests at once, at most (each one is an encode of its own). */
const MAX_TESTS = 2;

export class Broadcast extends EventEmitter<BroadcastEvents> {
  readonly #encoder: ProgramEncoder;
  readonly #store: DestinationStore;
  readonly #onAir: OnAirStore;
  readonly #log: Logger;
  readonly #outputs = new Map<string, Output>();
  readonly #gop = new ProgramGop();
  readonly #recording: RecordingOutput;
  readonly #hls: HlsOutput;
  /** when End live happened (the watch page says the show ended), until the next Go live */
  #endedAt?: number;
  /** a destination taking no data for this long is reconnected */
  readonly #stallMs: number;
  /** tests under way, each with where it streams (a saved destination's or a draft's settings) */
  readonly #tests = new Set<{ preflight: Preflight; target: Pick<Destination, 'url' | 'streamKey'> }>();
  /** when Go live happened, while live */
  #liveSince?: number;
  /** bumped by Go live and End live: the latest one wins, however long the encoder takes to start */
  #intent = 0;

  constructor(opts: { encoder: ProgramEncoder; store: DestinationStore; onAir: OnAirStore; dataDir: string; stallMs: number; segmentSeconds: number; log: Logger }) {
    super();
    this.#encoder = opts.encoder;
    this.#stallMs = opts.stallMs;
    this.#store = opts.store;
    this.#onAir = opts.onAir;
    // What is live is kept as it changes: a server that crashes resumes exactly that.
    this.on('changed', () => this.#onAir.update({
      live: this.live,
      liveSince: this.#liveSince,
      started: [...this.#outputs.values()].filter((o) => o.running).map((o) => o.id),
    }));
    this.#log = opts.log.child({ module: 'broadcast' });
    this.#recording = new RecordingOutput({ dataDir: opts.dataDir, log: this.#log });
    this.#recording.on('changed', () => this.emit('changed'));
    this.#hls = new HlsOutput({ dir: join(opts.dataDir, 'hls'), segmentSeconds: opts.segmentSeconds, head: () => this.#gop.snapshot(), log: this.#log });
    this.#hls.on('changed', () => this.emit('changed'));
    for (const d of this.#store.all) this.#track(d);
    this.#encoder.on('data', (chunk) => {
      const packets = this.#gop.push(chunk);
      if (packets.length === 0) return;
      for (const o of this.#outputs.values()) if (o.running) o.write(packets);
      this.#recording.write(packets);
      this.#hls.write(packets);
    });
    this.#encoder.on('state', (running) => {
      if (!running) {
        this.#gop.reset(); // the next encoder starts its own stream
        this.#hls.streamRestarted(); // (after a discontinuity in the same playlist)
      }
      this.emit('changed');
    });
  }

  #track(d: Destination): Output {
    const o = new Output(d, this.#log, () => this.#gop.snapshot(), this.#stallMs);
    o.on('changed', () => this.emit('changed'));
    this.#outputs.set(d.id, o);
    return o;
  }

  #output(id: string): Output {
    const o = this.#outputs.get(id);
    if (!o) throw new NotFound(`there is no destination ${id} (it may have been removed)`);
    return o;
  }

  get live(): boolean {
    return this.#recording.running;
  }

  /** Go live: the encoder, every enabled destination, and the recording. */
  async goLive(): Promise<void> {
    const intent = ++this.#intent;
    await this.#encoder.start();
    if (intent !== this.#intent) return; // End live came while the encoder started: it wins
    this.#liveSince ??= Date.now();
    this.#endedAt = undefined;
    this.#recording.start();
    this.#hls.start(true);
    this.#startEach(this.#store.all.filter((d) => d.enabled).map((d) => d.id));
    this.#log.info({ destinations: this.#store.all.filter((d) => d.enabled).length }, 'on air');
    this.emit('changed');
  }

  /** Starts each destination on its own: one that cannot start never keeps the others off air. */
  #startEach(ids: string[]): void {
    for (const id of ids) {
      try {
        const o = this.#output(id);
        this.#stopTests(o.target);
        o.start();
      } catch (err) {
        this.#log.error({ destination: id, err: (err as Error).message }, 'a destination could not start; the others go on');
      }
    }
  }

  /** After a restart: the show goes back to what it was doing (live, and the destinations that ran). */
  async resume(was: Pick<OnAir, 'live' | 'started' | 'liveSince'>): Promise<void> {
    const started = was.started.filter((id) => this.#outputs.has(id));
    if (!was.live && started.length === 0) return;
    this.#log.warn({ live: was.live, destinations: started.length }, 'resuming the show as it was before the server stopped');
    const intent = ++this.#intent;
    await this.#encoder.start();
    if (intent !== this.#intent) return;
    if (was.live) {
      this.#liveSince = was.liveSince ?? Date.now(); // the time on air goes on from before the crash
      this.#recording.start();
      this.#hls.start(false); // viewers' players carry on with the playlist they had
    }
    this.#startEach(started);
    this.emit('changed');
  }

  endLive(): void {
    this.#intent++;
    this.#liveSince = undefined;
    for (const o of this.#outputs.values()) if (o.running) o.stop();
    this.#recording.stop();
    if (this.#hls.view().state !== 'off') this.#endedAt = Date.now();
    this.#hls.stop();
    this.#encoder.stop();
    this.#log.info('off air');
    this.emit('changed');
  }

  /** Start one destination on its own (or retry it now, if it is waiting to reconnect). */
  async start(id: string): Promise<void> {
    const o = this.#output(id);
    if (o.running) return o.retryNow();
    await this.#encoder.start();
    // Right before it streams (a test may have begun while the encoder started).
    this.#stopTests(o.target);
    o.start();
  }

  /**
   * The pre-flight test of a saved destination that is not running, of settings not yet
   * saved (a draft), or of a saved one's new settings (its key where the draft has
   * none). Never two streams to one key (a platform drops one of them, and a live one
   * would be knocked off air): a test of a place a destination streams to is refused,
   * and a destination started while a test of its place runs stops the test first.
   */
  async test(id: string | undefined, draft?: Omit<Destination, 'id'>): Promise<DestinationTest> {
    const stored = id === undefined ? undefined : this.#store.get(id);
    if (id !== undefined && !stored) throw new NotFound(`there is no destination ${id}`);
    if (id !== undefined && this.#output(id).running) {
      throw new Conflict('this destination is running: its state says how it is doing; test it when it is stopped');
    }
    if (draft && draft.streamKey === undefined && stored?.streamKey && !sameServer(draft, stored)) {
      // A saved key goes only to the server it was saved for, never to one typed in since.
      throw new Invalid('the saved stream key goes only to the server it was saved for: type the key again to test another server');
    }
    const dest: Destination = draft
      ? { id: id ?? 'draft', ...draft, streamKey: draft.streamKey ?? stored?.streamKey }
      : stored!;
    if ([...this.#outputs.values()].some((o) => o.running && sameStream(o.target, dest))) {
      throw new Conflict('a running destination streams to this server and key: testing it would knock that stream off; stop it first');
    }
    if ([...this.#tests].some((t) => sameStream(t.target, dest))) throw new Conflict('this destination is being tested already');
    // Each test is an encode of its own: a few at once, never enough to starve the show's.
    if (this.#tests.size >= MAX_TESTS) throw new Conflict(`${MAX_TESTS} tests are running: wait for one to finish`);
    const log = this.#log.child({ output: id ?? 'draft', test: true, host: URL.canParse(dest.url) ? new URL(dest.url).hostname : undefined });
    const test = { preflight: preflight(dest, log), target: dest };
    this.#tests.add(test);
    try {
      return await test.preflight.result;
    } finally {
      this.#tests.delete(test);
    }
  }

  /** A destination about to stream for real: a test of the same place stops first. */
  #stopTests(target: Pick<Destination, 'url' | 'streamKey'>): void {
    for (const t of this.#tests) if (sameStream(t.target, target)) t.preflight.cancel('the destination was started');
  }

  stop(id: string): void {
    this.#output(id).stop();
  }

  add(d: Omit<Destination, 'id'>): string {
    const stored = this.#store.add(d);
    const o = this.#track(stored);
    if (this.live && stored.enabled) {
      this.#stopTests(stored); // a draft of it may be under test
      o.start();
    }
    this.emit('changed');
    return stored.id;
  }

  update(id: string, d: Omit<Destination, 'id'>): void {
    const stored = this.#store.update(id, d);
    if (!stored) throw new NotFound(`there is no destination ${id}`);
    const o = this.#output(id);
    if (o.running) this.#stopTests(stored); // it streams to its new place at once
    o.update(stored);
    this.emit('changed');
  }

  remove(id: string): void {
    const o = this.#output(id);
    o.stop();
    this.#outputs.delete(id);
    this.#store.remove(id);
    this.emit('changed');
  }

  /** The watch page's program: where its files are, and how it is doing. */
  get hls(): { dir: string; view: HlsView; endedAt?: number } {
    return { dir: this.#hls.dir, view: this.#hls.view(), endedAt: this.#endedAt };
  }

  view(): { destinations: DestinationView[]; encoding: boolean; recording?: RecordingView; liveSince?: number } {
    return {
      liveSince: this.live ? this.#liveSince : undefined,
      destinations: [...this.#outputs.values()].map((o) => o.view()),
      encoding: this.#encoder.running,
      recording: this.#recording.view(),
    };
  }

  close(): void {
    this.endLive();
  }
}

/** The same protocol and host: where a saved key may be sent. */
function sameServer(a: Pick<Destination, 'protocol' | 'url'>, b: Pick<Destination, 'protocol' | 'url'>): boolean {
  const host = (u: string) => (URL.canParse(u) ? new URL(u).host.toLowerCase() : u);
  return a.protocol === b.protocol && host(a.url) === host(b.url);
}
