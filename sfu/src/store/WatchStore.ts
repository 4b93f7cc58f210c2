// Who may watch the watch page, kept with the show: public, or by the viewer link
// (its token). A new link makes the old one stop working.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ViewerKey, WatchAccess } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';
import { readState, writeState } from './showState.js';

const Stored = z.object({ access: WatchAccess, token: ViewerKey });
type Stored = z.infer<typeof Stored>;
const KEY = 'watch';

const newToken = () => randomBytes(18).toString('base64url'); // 24 characters

export class WatchStore {
  readonly #db: ShowDatabase;
  #current: Stored;

  constructor(db: ShowDatabase) {
    this.#db = db;
    const stored = readState(db, KEY, Stored);
    this.#current = stored && stored.token !== 'public' ? stored : { access: 'public', token: newToken() };
    if (!stored) writeState(db, KEY, this.#current);
  }

  get access(): Stored['access'] {
    return this.#current.access;
  }

  /** What opens the program now: the viewer link's token, or "public". */
  get key(): string {
    return this.#current.access === 'public' ? 'public' : this.#current.token;
  }

  /**
   * The key opens the program now: any, while public (a viewer link given out earlier
   * still works); the viewer link's token otherwise (compared in constant time: a secret).
   */
  opens(key: string | undefined): boolean {
    if (this.#current.access === 'public') return true;
    const want = Buffer.from(this.key);
    const given = Buffer.from(key ?? 'public');
    return want.length === given.length && timingSafeEqual(want, given);
  }

  setAccess(access: Stored['access']): void {
    this.#save({ ...this.#current, access });
  }

  newLink(): void {
    this.#save({ ...this.#current, token: newToken() });
  }

  #save(next: Stored): void {
    writeState(this.#db, KEY, next);
    this.#current = next;
  }
}
