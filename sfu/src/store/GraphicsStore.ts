// Which graphics are on the program and what they say, kept with the show: a server
// that restarts after a crash puts the lower third, the countdown, the LIVE bug and
// the logo back on the program as they were, instead of a bare picture until someone
// notices. (Graphics readied for the next shot are a moment's intent: not kept.)
import { z } from 'zod';
import { GraphicName, GraphicsText } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';
import { readState, writeState } from './showState.js';

const Kept = z.object({ onAir: z.array(GraphicName), text: GraphicsText });
export type KeptGraphics = z.infer<typeof Kept>;

const KEY = 'graphics';

export class GraphicsStore {
  readonly #db: ShowDatabase;
  #current?: KeptGraphics;
  #written: string;

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#current = readState(db, KEY, Kept); // a torn value: no graphics on, the default text
    this.#written = JSON.stringify(this.#current ?? null);
  }

  /** As they were when the server last ran (none: never set). */
  get current(): KeptGraphics | undefined {
    return this.#current;
  }

  /** Keeps them; writes only what changed (called on every graphics change). */
  keep(graphics: KeptGraphics): void {
    const json = JSON.stringify(graphics);
    if (json === this.#written || !this.#db.open) return; // (closed: the server is stopping)
    writeState(this.#db, KEY, graphics);
    this.#current = graphics;
    this.#written = json;
  }
}
