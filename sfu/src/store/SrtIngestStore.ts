// Which camera slots take SRT, and how (listen on a port, or call an encoder), kept with
// the show: a restarted server listens again on the same ports with the same passphrases.
import { z } from 'zod';
import { SrtLatencyMs, SrtPassphrase, type SrtIngestSettings } from '../../../shared/src/srtIngest.js';
import type { ShowDatabase } from './database.js';
import { readState, writeState } from './showState.js';

// Keyed by slot id; a slot deleted meanwhile is dropped at start (SrtInputs.start).
const Stored = z.record(z.string(), z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('listener'), port: z.number().int(), passphrase: SrtPassphrase.optional(), latencyMs: SrtLatencyMs }),
  z.object({ mode: z.literal('caller'), url: z.string(), passphrase: SrtPassphrase.optional(), latencyMs: SrtLatencyMs }),
]));
const KEY = 'srtIngest';

export class SrtIngestStore {
  readonly #db: ShowDatabase;
  #all: Record<string, SrtIngestSettings>;

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#all = readState(db, KEY, Stored) ?? {};
  }

  get all(): Readonly<Record<string, SrtIngestSettings>> {
    return this.#all;
  }

  /** The slot's SRT input; undefined: none. */
  set(slotId: string, settings: SrtIngestSettings | undefined): void {
    const next = { ...this.#all };
    if (settings) next[slotId] = settings;
    else delete next[slotId];
    writeState(this.#db, KEY, next);
    this.#all = next; // after the write succeeded: never ahead of the database
  }
}
