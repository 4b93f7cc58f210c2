// The show's camera slots (persisted) and, for each, the camera on it now: its
// state as the director sees it, its talkback and its capture quality.
// A slot outlives its camera: an operator who drops and comes back with the same
// invite lands in the same slot, so the director's tile stays where it was.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { CameraQuality, CameraState, PauseReason, SlotView, TalkbackMessage, TalkbackView } from '../../../shared/src/protocol.js';
import type { CameraSession } from '../ingest/CameraSession.js';
import { newInviteToken, type ShowStore, type StoredSlot } from '../store/ShowStore.js';
import { NotFound, Conflict } from '../errors.js';
import { ON_AIR_CODEC } from '../switcher/ProgramDesk.js';

type CameraSlotsEvents = {
  /** A talkback message for the camera page in this slot. */
  talkback: [slotId: string, message: TalkbackMessage];
  /** Something the director sees changed (coalesced: at most once per tick). */
  changed: [];
  /** A slot's invite stopped being valid (slot deleted or link renewed). */
  inviteRevoked: [slotId: string];
  /** The director asked this slot's camera for another capture quality. */
  quality: [slotId: string, quality: CameraQuality];
};

const PAUSED_BECAUSE: Record<PauseReason, string> = {
  background: 'the operator\'s page is in the background (screen locked or another app in front)',
  'camera-unavailable': 'the phone\'s camera was taken by another app or stopped',
};

type Presence = { session?: CameraSession; left?: string };
const newMessageId = () => randomBytes(6).toString('hex');

export class CameraSlots extends EventEmitter<CameraSlotsEvents> {
  readonly #store: ShowStore;
  readonly #presence = new Map<string, Presence>();
  readonly #talkback = new Map<string, TalkbackView>(); // slot id → last message
  #pending = false;

  constructor(store: ShowStore) {
    super();
    this.#store = store;
  }

  slot(slotId: string): StoredSlot | undefined {
    return this.#store.slot(slotId);
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

  /** Send a talkback message to one slot, or to every slot; returns the message ids. */
  sendTalkback(text: string, slotId?: string): string[] {
    const targets = slotId ? [this.#store.slot(slotId)] : this.#store.slots;
    if (slotId && !targets[0]) throw notFound(slotId);
    const ids: string[] = [];
    for (const slot of targets) {
      if (!slot) continue;
      const message = { id: newMessageId(), text, sentAt: Date.now() };
      this.#talkback.set(slot.id, message);
      this.emit('talkback', slot.id, message);
      ids.push(message.id);
    }
    this.#changed();
    return ids;
  }

  /** The operator read the message. Only the slot's own page can say so. */
  ackTalkback(slotId: string, messageId: string): void {
    const message = this.#talkback.get(slotId);
    if (!message || message.id !== messageId) throw new NotFound('no such message for this camera');
    message.readAt ??= Date.now();
    this.#changed();
  }

  /** The message a camera page should still show when it (re)joins. */
  pendingTalkback(slotId: string): TalkbackMessage | undefined {
    const m = this.#talkback.get(slotId);
    return m && !m.readAt ? { id: m.id, text: m.text, sentAt: m.sentAt } : undefined;
  }

  /** Ask the camera in this slot to capture at another quality; it must be connected. */
  requestQuality(slotId: string, quality: CameraQuality): void {
    if (!this.#store.slot(slotId)) throw notFound(slotId);
    const session = this.#presence.get(slotId)?.session;
    if (!session || session.away) throw new Conflict('this camera is not connected; it keeps the quality its operator chose');
    this.emit('quality', slotId, quality);
  }

  /** A camera page joined this slot. */
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

  /** Every slot as the director sees it, in the order they were made. */
  view(): SlotView[] {
    return this.#store.slots.map((slot) => this.#slotView(slot));
  }

  #slotView(slot: StoredSlot): SlotView {
    const base = { id: slot.id, name: slot.name, inviteToken: slot.inviteToken, talkback: this.#talkback.get(slot.id) };
    const presence = this.#presence.get(slot.id);
    const session = presence?.session;
    if (!presence) return { ...base, state: 'waiting' };
    if (!session) return { ...base, state: 'offline', reason: presence.left };
    const ref = (kind: 'audio' | 'video') => {
      const p = session.producer(kind);
      return p && session.routerId ? { producerId: p.id, routerId: session.routerId } : undefined;
    };
    const states: Record<typeof session.media, CameraState> = { none: 'connecting', flowing: 'live', stalled: 'stalled' };
    const paused = session.status?.paused;
    // Most telling first: a dropped connection, then what the page said, then the media.
    // (A page whose media flows again before its signalling is back is live: the picture is there.)
    const state: CameraState = session.away && session.media !== 'flowing' ? 'reconnecting' : paused ? 'paused' : states[session.media];
    const reasons: Partial<Record<CameraState, string>> = {
      reconnecting: 'the camera lost its connection; its slot is kept while it comes back by itself',
      paused: paused ? PAUSED_BECAUSE[paused] : undefined,
      stalled: 'no video is arriving from this camera (network trouble?)',
    };
    return {
      ...base,
      state,
      sender: session.sender,
      video: ref('video'),
      audio: ref('audio'),
      videoFormat: videoFormat(session.producer('video')),
      stats: session.stats,
      camera: session.status,
      history: session.history,
      recovered: session.recovered,
      reason: reasons[state],
    };
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

/** A video producer's codec and layers, as a tile shows them. */
function videoFormat(producer: { rtpParameters: { codecs: { mimeType: string }[]; encodings?: unknown[] } } | undefined): SlotView['videoFormat'] {
  const mime = producer?.rtpParameters.codecs[0]?.mimeType;
  if (!mime) return undefined;
  return { codec: mime.replace(/^video\//i, ''), layers: producer.rtpParameters.encodings?.length ?? 1, onAir: mime.toLowerCase() === ON_AIR_CODEC.toLowerCase() };
}

const notFound = (slotId: string) => new NotFound(`there is no camera slot ${slotId} (it may have been deleted)`);
