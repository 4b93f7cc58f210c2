// The show's countdown (its target time and name) kept with the show: a restarted
// server, and every camera page that joins later, still count down to it.
import { z } from 'zod';
import type { Countdown } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';

const Stored = z.object({ at: z.number().int(), label: z.string() });
const KEY = 'countdown';

export class CountdownStore {
  readonly #db: ShowDatabase;
  #current?: Countdown;

  constructor(db: ShowDatabase) {
    this.#db = db;
    const row = db.prepare('SELECT value FROM show_state WHERE key = ?').get(KEY) as { value: string } | undefined;
    let stored: unknown;
    try {
      stored = row ? JSON.parse(row.value) : undefined;
    } catch {
      stored = undefined; // a torn value is no countdown; the director sets it again
    }
    const parsed = Stored.safeParse(stored);
    this.#current = parsed.success ? parsed.data : undefined;
  }

  get current(): Countdown | undefined {
    return this.#current;
  }

  set(countdown: Countdown | undefined): void {
    if (countdown) {
      this.#db.prepare('INSERT INTO show_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KEY, JSON.stringify(countdown));
    } else {
      this.#db.prepare('DELETE FROM show_state WHERE key = ?').run(KEY);
    }
    this.#current = countdown; // only once it is on disk
  }
}
