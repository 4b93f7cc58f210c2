// One seat per camera slot: the camera session (its transport and producers) and the
// page driving it now. A page that closes gives its seat up at once; a phone that
// loses its network keeps its seat (and producers: the director's tile, tally and
// place in the switcher) for a grace period, and takes it back when it rejoins. The
// newest page wins a seat: the one it replaces is dismissed, with the reason.
import { EventEmitter } from 'node:events';
import type { CameraServerEvents } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';

/** The page at the other end of a seat (a socket, in signaling). */
export interface CameraPage {
  send<E extends keyof CameraServerEvents>(event: E, ...args: Parameters<CameraServerEvents[E]>): void;
  /** This page no longer drives its seat: tell it why and close its connection. */
  dismiss(reason: string): void;
}

/** What a seat needs of its camera session. */
export interface SeatedSession {
  readonly away: boolean;
  signallingLost(): void;
  signallingBack(): void;
  close(): void;
}

/** What a camera's tally light shows. */
export type Tally = Parameters<CameraServerEvents['tally']>[0]['state'];

/** `lostPage`: the page that went silent, whose seat is kept for it (it may still say goodbye: a WHIP DELETE). */
type Seat<S> = { session: S; page?: CameraPage; lostPage?: CameraPage; grace?: NodeJS.Timeout; told?: Tally };

type SeatsEvents<S> = {
  /** a slot's camera session was opened (the first page joined) */
  opened: [slotId: string, session: S];
  /** the slot's camera is gone for good: offline, media released */
  left: [slotId: string, session: S, reason: string];
};

export const REPLACED = 'This camera link was opened on another page or device, which now sends in this slot.';

export class CameraSeats<S extends SeatedSession> extends EventEmitter<SeatsEvents<S>> {
  readonly #open: (slotId: string) => S;
  readonly #graceMs: number;
  readonly #log: Logger;
  readonly #seats = new Map<string, Seat<S>>();

  constructor(opts: { open: (slotId: string) => S; rejoinGraceMs: number; log: Logger }) {
    super();
    this.#open = opts.open;
    this.#graceMs = opts.rejoinGraceMs;
    this.#log = opts.log;
  }

  /** A page joins a slot: it takes the seat (opened if none), and any page before it is dismissed. */
  join(slotId: string, page: CameraPage): { session: S; rejoined: boolean } {
    let seat = this.#seats.get(slotId);
    if (!seat) {
      seat = { session: this.#open(slotId) };
      this.#seats.set(slotId, seat);
      this.emit('opened', slotId, seat.session);
    }
    // The page before this one: driving the seat, or lost and waited for (an encoder's
    // session that would take the seat back when its connection returns).
    const previous = seat.page ?? seat.lostPage;
    clearTimeout(seat.grace);
    seat.grace = undefined;
    seat.page = page;
    seat.lostPage = undefined;
    seat.told = undefined; // a new page has been told nothing yet
    // The operator reopened the link (or a second device took over): newest wins.
    if (previous && previous !== page) previous.dismiss(REPLACED);
    const rejoined = seat.session.away;
    if (rejoined) this.#log.info({ slot: slotId }, 'camera reconnected within its grace period');
    seat.session.signallingBack();
    return { session: seat.session, rejoined };
  }

  /** The page said goodbye (closed, or left the slot): the seat is given up at once. */
  closed(slotId: string, page: CameraPage, how: string, reason = 'the camera page was closed'): void {
    const seat = this.#seats.get(slotId);
    if (!seat || (seat.page !== page && !(seat.page === undefined && seat.lostPage === page))) return; // replaced by a newer page
    this.#log.info({ slot: slotId, how, reason }, 'camera left');
    this.leave(slotId, reason);
  }

  /** The page went silent (network lost): the seat waits for it for the grace period. */
  lost(slotId: string, page: CameraPage, why: string): void {
    const seat = this.#seats.get(slotId);
    if (seat?.page !== page) return;
    seat.page = undefined;
    seat.lostPage = page;
    seat.session.signallingLost();
    this.#log.warn({ slot: slotId, reason: why, graceMs: this.#graceMs }, 'camera connection lost; keeping its slot while it comes back');
    seat.grace = setTimeout(() => {
      this.#log.warn({ slot: slotId }, 'camera did not come back in time');
      this.leave(slotId, `lost its connection (${why}) and did not come back within ${Math.round(this.#graceMs / 1000)} s`);
    }, this.#graceMs);
  }

  /** The slot's invite no longer works (renewed, or the slot deleted): its page is sent away. */
  revoke(slotId: string, reason: string): void {
    const page = this.#seats.get(slotId)?.page;
    this.leave(slotId, 'its invite link was revoked');
    page?.dismiss(reason);
  }

  /** The slot's camera is gone for good: offline, media released. */
  leave(slotId: string, reason: string): void {
    const seat = this.#seats.get(slotId);
    if (!seat) return;
    clearTimeout(seat.grace);
    this.#seats.delete(slotId);
    this.emit('left', slotId, seat.session, reason);
    seat.session.close();
  }

  /** The page driving this slot now, if any. */
  page(slotId: string): CameraPage | undefined {
    return this.#seats.get(slotId)?.page;
  }

  session(slotId: string): S | undefined {
    return this.#seats.get(slotId)?.session;
  }

  /** Something every camera page hears (the show's countdown). */
  broadcast<E extends keyof CameraServerEvents>(event: E, ...args: Parameters<CameraServerEvents[E]>): void {
    for (const seat of this.#seats.values()) seat.page?.send(event, ...args);
  }

  /** Tally: each page hears whether it is on air or in preview, once per change. */
  tally(stateOf: (slotId: string) => Tally): void {
    for (const [slotId, seat] of this.#seats) {
      if (!seat.page) continue;
      const state = stateOf(slotId);
      if (seat.told === state) continue;
      seat.told = state;
      seat.page.send('tally', { state });
    }
  }

  close(): void {
    for (const slotId of [...this.#seats.keys()]) this.leave(slotId, 'Régie is stopping');
  }
}
