// What the show is doing — live or not, which destinations run, what is on air and in
// preview — kept as it changes, so that a server that restarts after a crash (kill -9,
// out of memory, a bug) resumes the show by itself instead of waiting for clicks.
// A deliberate stop (End live, or stopping Régie) is kept too: it is not resumed.
import { z } from 'zod';
import type { ShowDatabase } from './database.js';
import { readState, writeState } from './showState.js';

const OnAir = z.object({
  /** the show was live: encoder, recording and the started destinations */
  live: z.boolean(),
  /** since when (a restarted server keeps counting the time on air from it) */
  liveSince: z.number().int().optional(),
  /** destinations started (by Go live or on their own) and not stopped */
  started: z.array(z.string()),
  /** the source the director put on air, and the one in preview */
  program: z.string().optional(),
  preview: z.string().optional(),
});
export type OnAir = z.infer<typeof OnAir>;

const KEY = 'on-air';
const NOTHING: OnAir = { live: false, started: [] };

export class OnAirStore {
  readonly #db: ShowDatabase;
  #current: OnAir;
  #written: string;

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#current = readState(db, KEY, OnAir) ?? NOTHING; // a torn value resumes nothing; the show is still there
    this.#written = JSON.stringify(this.#current);
  }

  /** What the show was doing when it last ran. */
  get current(): OnAir {
    return this.#current;
  }

  /** Keeps a change; writes only when something really changed (this is called on every show change). */
  update(change: Partial<OnAir>): void {
    const next = { ...this.#current, ...change };
    const json = JSON.stringify(next);
    if (json === this.#written || !this.#db.open) return; // (closed: the server is stopping)
    writeState(this.#db, KEY, next);
    this.#current = next;
    this.#written = json;
  }
}
