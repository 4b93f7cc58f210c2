// The show: its camera slots (persisted) and, for each, the camera on it now.
// A slot outlives its camera: an operator who drops and comes back with the same
// invite lands in the same slot, so the director's tile stays where it was.
import { EventEmitter } from 'node:events';
import type { CameraState, ShowView, SlotView } from '../../../shared/src/protocol.js';
import type { CameraSession } from '../ingest/CameraSession.js';
import { newInviteToken, type ShowStore, type StoredSlot } from '../store/ShowStore.js';
import { RequestError } from '../signaling/requests.js';

type ShowEvents = {
  /** Something the director sees changed (coalesced: at most once per tick). */
  changed: [];
  /** A slot's invite stopped being valid (slot deleted or link renewed). */
  inviteRevoked: [slotId: string];
};

type Presence = { session?: CameraSession; left?: string };

export class Show extends EventEmitter<ShowEvents> {
  readonly name: string;
  publicUrl = '';
  readonly #store: ShowStore;
  readonly #presence = new Map<string, Presence>();
  #pending = false;

  constructor(name: string, store: ShowStore) {
    super();
    this.name = name;
    this.#store = store;
  }

  slotForInvite(token: string): StoredSlot | undefined {
    return this.#store.slotByToken(token);
  }

  createSlot(name: string): StoredSlot {
    const slot = this.#store.createSlot(name);
    this.#changed();
    return slot;
  }

  renameSlot(slotId: string, name: string): void {
    if (!this.#store.updateSlot(slotId, { name })) throw notFound(slotId);
    this.#changed();
  }

  deleteSlot(slotId: string): void {
    if (!this.#store.deleteSlot(slotId)) throw notFound(slotId);
    this.emit('inviteRevoked', slotId);
    this.#presence.delete(slotId);
    this.#changed();
  }

  renewInvite(slotId: string): void {
    if (!this.#store.updateSlot(slotId, { inviteToken: newInviteToken() })) throw notFound(slotId);
    this.emit('inviteRevoked', slotId);
    this.#changed();
  }

  /** A camera page joined this slot; returns the session it replaced, if any. */
  attach(session: CameraSession): void {
    this.#presence.set(session.slotId, { session });
    session.on('changed', () => this.#changed());
    this.#changed();
  }

  /** The camera page is gone; the slot shows it offline with the reason. */
  detach(session: CameraSession, reason: string): void {
    const presence = this.#presence.get(session.slotId);
    if (presence?.session !== session) return; // already replaced by a newer page
    this.#presence.set(session.slotId, { left: reason });
    this.#changed();
  }

  session(slotId: string): CameraSession | undefined {
    return this.#presence.get(slotId)?.session;
  }

  view(): ShowView {
    return { showName: this.name, publicUrl: this.publicUrl, slots: this.#store.slots.map((slot) => this.#slotView(slot)) };
  }

  #slotView(slot: StoredSlot): SlotView {
    const base = { id: slot.id, name: slot.name, inviteToken: slot.inviteToken };
    const presence = this.#presence.get(slot.id);
    const session = presence?.session;
    if (!presence) return { ...base, state: 'waiting' };
    if (!session) return { ...base, state: 'offline', reason: presence.left };
    const ref = (kind: 'audio' | 'video') => {
      const p = session.producer(kind);
      return p && session.routerId ? { producerId: p.id, routerId: session.routerId } : undefined;
    };
    const states: Record<typeof session.media, CameraState> = { none: 'connecting', flowing: 'live', stalled: 'stalled' };
    const state = states[session.media];
    return {
      ...base,
      state,
      video: ref('video'),
      audio: ref('audio'),
      stats: session.stats,
      reason: state === 'stalled' ? 'no video is arriving from this camera (network trouble?)' : undefined,
    };
  }

  /** Tell the directors something changed (coalesced). */
  touch(): void {
    this.#changed();
  }

  #changed(): void {
    if (this.#pending) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      this.emit('changed');
    });
  }
}

const notFound = (slotId: string) => new RequestError('not-found', `there is no camera slot ${slotId} (it may have been deleted)`);
