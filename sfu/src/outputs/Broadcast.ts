// Going live: the one program encode fanned out to every destination, and to the
// show's recording. Each destination is its own Output (process, reconnects,
// health); the recording is the encoded program written to disk as it comes.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { DestinationView } from '../../../shared/src/protocol.js';
import type { ProgramEncoder } from '../encoder/ProgramEncoder.js';
import type { Logger } from '../log.js';
import { RequestError } from '../RequestError.js';
import type { DestinationStore } from '../store/DestinationStore.js';
import type { OnAir, OnAirStore } from '../store/OnAirStore.js';
import type { Destination } from './Destination.js';
import { Output } from './Output.js';

type BroadcastEvents = { changed: [] };

export class Broadcast extends EventEmitter<BroadcastEvents> {
  readonly #encoder: ProgramEncoder;
  readonly #store: DestinationStore;
  readonly #onAir: OnAirStore;
  readonly #log: Logger;
  readonly #outputs = new Map<string, Output>();
  readonly #recordingsDir: string;
  #recording?: { file: string; stream: WriteStream; bytes: number };
  /** bumped by Go live and End live: the latest one wins, however long the encoder takes to start */
  #intent = 0;

  constructor(opts: { encoder: ProgramEncoder; store: DestinationStore; onAir: OnAirStore; dataDir: string; log: Logger }) {
    super();
    this.#encoder = opts.encoder;
    this.#store = opts.store;
    this.#onAir = opts.onAir;
    // What is live is kept as it changes: a server that crashes resumes exactly that.
    this.on('changed', () => this.#onAir.update({
      live: this.live,
      started: [...this.#outputs.values()].filter((o) => o.running).map((o) => o.id),
    }));
    this.#log = opts.log.child({ module: 'broadcast' });
    this.#recordingsDir = join(opts.dataDir, 'recordings');
    for (const d of this.#store.all) this.#track(d);
    this.#encoder.on('data', (chunk) => {
      for (const o of this.#outputs.values()) if (o.running) o.write(chunk);
      if (this.#recording) {
        this.#recording.stream.write(chunk);
        this.#recording.bytes += chunk.length;
      }
    });
    this.#encoder.on('state', () => this.emit('changed'));
  }

  #track(d: Destination): Output {
    const o = new Output(d, this.#log);
    o.on('changed', () => this.emit('changed'));
    this.#outputs.set(d.id, o);
    return o;
  }

  #output(id: string): Output {
    const o = this.#outputs.get(id);
    if (!o) throw new RequestError('not-found', `there is no destination ${id} (it may have been removed)`);
    return o;
  }

  get live(): boolean {
    return this.#recording !== undefined;
  }

  /** Go live: the encoder, every enabled destination, and the recording. */
  async goLive(): Promise<void> {
    const intent = ++this.#intent;
    await this.#encoder.start();
    if (intent !== this.#intent) return; // End live came while the encoder started: it wins
    this.#startRecording();
    this.#startEach(this.#store.all.filter((d) => d.enabled).map((d) => d.id));
    this.#log.info({ destinations: this.#store.all.filter((d) => d.enabled).length }, 'on air');
    this.emit('changed');
  }

  /** Starts each destination on its own: one that cannot start never keeps the others off air. */
  #startEach(ids: string[]): void {
    for (const id of ids) {
      try {
        this.#output(id).start();
      } catch (err) {
        this.#log.error({ destination: id, err: (err as Error).message }, 'a destination could not start; the others go on');
      }
    }
  }

  /** After a restart: the show goes back to what it was doing (live, and the destinations that ran). */
  async resume(was: Pick<OnAir, 'live' | 'started'>): Promise<void> {
    const started = was.started.filter((id) => this.#outputs.has(id));
    if (!was.live && started.length === 0) return;
    this.#log.warn({ live: was.live, destinations: started.length }, 'resuming the show as it was before the server stopped');
    const intent = ++this.#intent;
    await this.#encoder.start();
    if (intent !== this.#intent) return;
    if (was.live) this.#startRecording();
    this.#startEach(started);
    this.emit('changed');
  }

  endLive(): void {
    this.#intent++;
    for (const o of this.#outputs.values()) if (o.running) o.stop();
    this.#stopRecording();
    this.#encoder.stop();
    this.#log.info('off air');
    this.emit('changed');
  }

  /** Start one destination on its own (or retry it now, if it is waiting to reconnect). */
  async start(id: string): Promise<void> {
    const o = this.#output(id);
    if (o.running) return o.retryNow();
    await this.#encoder.start();
    o.start();
  }

  stop(id: string): void {
    this.#output(id).stop();
  }

  add(d: Omit<Destination, 'id'>): string {
    const stored = this.#store.add(d);
    const o = this.#track(stored);
    if (this.live && stored.enabled) o.start();
    this.emit('changed');
    return stored.id;
  }

  update(id: string, d: Omit<Destination, 'id'>): void {
    const stored = this.#store.update(id, d);
    if (!stored) throw new RequestError('not-found', `there is no destination ${id}`);
    this.#output(id).update(stored);
    this.emit('changed');
  }

  remove(id: string): void {
    const o = this.#output(id);
    o.stop();
    this.#outputs.delete(id);
    this.#store.remove(id);
    this.emit('changed');
  }

  #startRecording(): void {
    if (this.#recording) return;
    mkdirSync(this.#recordingsDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.#recordingsDir, `program-${stamp}.ts`);
    const stream = createWriteStream(file);
    stream.on('error', (err) => this.#log.error({ file, err: err.message }, 'recording failed (disk full?)'));
    this.#recording = { file, stream, bytes: 0 };
    this.#log.info({ file }, 'recording');
  }

  #stopRecording(): void {
    this.#recording?.stream.end();
    this.#recording = undefined;
  }

  view(): { destinations: DestinationView[]; encoding: boolean; recording?: { file: string; bytes: number } } {
    return {
      destinations: [...this.#outputs.values()].map((o) => o.view()),
      encoding: this.#encoder.running,
      recording: this.#recording ? { file: this.#recording.file, bytes: this.#recording.bytes } : undefined,
    };
  }

  close(): void {
    this.endLive();
  }
}
