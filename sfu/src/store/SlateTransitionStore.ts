// How the slate goes on air over a stalled camera (a cut, or a dissolve from its last
// picture), as the director chose it: kept with the show, so a restarted server covers
// the next stalled camera the same way.
import { SlateTransition } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';
import { readState, writeState } from './showState.js';

const KEY = 'slate-transition';

export class SlateTransitionStore {
  readonly #db: ShowDatabase;
  #current?: SlateTransition;

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#current = readState(db, KEY, SlateTransition); // a torn value: the default (a cut)
  }

  get current(): SlateTransition | undefined {
    return this.#current;
  }

  keep(transition: SlateTransition): void {
    writeState(this.#db, KEY, transition);
    this.#current = transition; // only once it is on disk
  }
}
