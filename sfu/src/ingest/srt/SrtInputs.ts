// The show's SRT inputs, one per camera slot that takes SRT: set, changed and removed by
// the director, kept in the store, started again with the server. A listener's port is
// the director's choice or the next free one from REGIE_SRT_PORT; its passphrase is
// made here unless the director gives one (an SRT listener open to anyone would put
// any stream that finds it on the director's screen).
import { randomBytes } from 'node:crypto';
import { srtEncoderUrl, type SrtIngestInput, type SrtIngestSettings, type SrtIngestView } from '../../../../shared/src/srtIngest.js';
import { Conflict } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { WorkerPool } from '../../media/WorkerPool.js';
import type { SrtIngestStore } from '../../store/SrtIngestStore.js';
import { SrtInput, type SrtSeats } from './SrtInput.js';

export type SrtInputsOptions = {
  /** the address SRT listeners bind (the server's REGIE_HOST) */
  listenHost: string;
  /** the first port tried for a listener whose port the director left out (REGIE_SRT_PORT) */
  firstPort: number;
  /** ports Régie uses otherwise (the studio's) */
  reservedPorts: number[];
  pool: WorkerPool;
  seats: SrtSeats;
  log: Logger;
  onChange: () => void;
};

const newPassphrase = () => randomBytes(16).toString('base64url'); // 22 URL-safe characters

export class SrtInputs {
  readonly #store: SrtIngestStore;
  readonly #inputs = new Map<string, SrtInput>();
  readonly #opts: SrtInputsOptions;

  constructor(store: SrtIngestStore, opts: SrtInputsOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** The stored inputs of slots that still exist start listening (or calling). */
  start(slotExists: (slotId: string) => boolean): void {
    for (const [slotId, settings] of Object.entries(this.#store.all)) {
      if (slotExists(slotId)) this.#begin(slotId, settings);
      else this.#store.set(slotId, undefined);
    }
  }

  /** The director sets (or, with null, removes) a slot's SRT input; a running one is replaced. */
  set(slotId: string, input: SrtIngestInput | null): void {
    if (!input) return this.remove(slotId);
    const settings = this.#settings(slotId, input);
    this.#inputs.get(slotId)?.stop();
    this.#inputs.delete(slotId);
    this.#store.set(slotId, settings);
    this.#begin(slotId, settings);
    this.#opts.onChange();
  }

  remove(slotId: string): void {
    this.#inputs.get(slotId)?.stop();
    this.#inputs.delete(slotId);
    if (this.#store.all[slotId]) this.#store.set(slotId, undefined);
    this.#opts.onChange();
  }

  /** The slot takes SRT (and so no other sender). */
  has(slotId: string): boolean {
    return this.#inputs.has(slotId);
  }

  /** What the director sees of a slot's SRT input (with the passphrase: the director's view only). */
  view(slotId: string, publicHost: string): SrtIngestView | undefined {
    const input = this.#inputs.get(slotId);
    if (!input) return undefined;
    const s = input.settings;
    return {
      ...s, state: input.state,
      ...(input.error ? { error: input.error } : {}),
      ...(s.mode === 'listener' ? { encoderUrl: srtEncoderUrl(publicHost, s) } : {}),
    };
  }

  close(): void {
    for (const input of this.#inputs.values()) input.stop();
    this.#inputs.clear();
  }

  #settings(slotId: string, input: SrtIngestInput): SrtIngestSettings {
    if (input.mode === 'caller') return input;
    const taken = new Set([
      ...this.#opts.reservedPorts,
      ...Object.entries(this.#store.all).flatMap(([id, s]) => (id !== slotId && s.mode === 'listener' ? [s.port] : [])),
    ]);
    if (input.port !== undefined && taken.has(input.port)) throw new Conflict(`port ${input.port} is already used by Régie (another slot's SRT, or the studio): choose another`);
    let port = input.port ?? this.#opts.firstPort;
    while (taken.has(port)) port++;
    return { mode: 'listener', port, passphrase: input.passphrase ?? this.#store.all[slotId]?.passphrase ?? newPassphrase(), latencyMs: input.latencyMs };
  }

  #begin(slotId: string, settings: SrtIngestSettings): void {
    const { listenHost, pool, seats, log, onChange } = this.#opts;
    const input = new SrtInput({ slotId, settings, listenHost, pool, seats, log, onChange });
    this.#inputs.set(slotId, input);
    input.start().catch((err: Error) => log.error({ slot: slotId, err: err.message }, 'SRT input could not start'));
  }
}
