// The show's countdown (its target time and name) kept with the show: a restarted
// server, and every camera page that joins later, still count down to it.
import { z } from 'zod';
import type { Countdown } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';
import { deleteState, readState, writeState } from './showState.js';

const Stored = z.object({ at: z.number().int(), label: z.string() });
const KEY = 'countdown';

export class CountdownStore {
  readonly #db: ShowDatabase;
  #current?: Countdown;

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#current = readState(db, KEY, Stored); // a torn value is no countdown; the director sets it again
  }

  get current(): Countdown | undefined {
    return this.#current;
  }

  set(countdown: Countdown | undefined): void {
    if (countdown) writeState(this.#db, KEY, countdown);
    else deleteState(this.#db, KEY);
    this.#current = countdown; // only once it is on disk
  }
}
