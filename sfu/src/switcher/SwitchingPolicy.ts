// What goes on air, decided apart from how: the director's preview and cut, the slate
// that covers a source gone silent, that source's return, the show resumed after a
// restart, the no-picture alarm and every camera's tally. No mediasoup and no timers
// here: the plumbing (Switcher.ts) says what it sees through `ProgramDesk` and calls
// `tick()`; this module answers by taking a source. So every rule is unit-tested.
import { EventEmitter } from 'node:events';
import type { CameraServerEvents, SlateTransition, Transition } from '../../../shared/src/protocol.js';
import { Conflict, NotFound } from '../errors.js';
import type { Logger } from '../log.js';
import { codecRefusal, SLATE_ID, type ProgramDesk } from './ProgramDesk.js';
import { SWITCHING, type SwitchingSettings } from './switchingSettings.js';

/**
 * The slate covers `from` since `at`; `backAt` once it is back (not soon enough to return
 * by itself); `resume`: it goes back on air by itself (after a restart).
 */
export type Fallback = { from: string; reason: string; at: number; backAt?: number; resume?: boolean; backSince?: number };

/** A cut that did not happen, and why: shown to the director until the next cut or preview. */
export type CutFailure = { source: string; reason: string; at: number };

export class SwitchingPolicy extends EventEmitter<{ changed: [] }> {
  readonly #desk: ProgramDesk;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #settings: SwitchingSettings;
  #preview?: string;
  #fallback?: Fallback;
  /** what the director last put on air: what a restarted server puts back */
  #intended?: string;
  /** what was in preview when the slate took over: the returning camera only replaces that */
  #previewAtFallback?: string;
  #takenAt = 0;
  /** how the slate goes on air over a stalled camera (the director's choice; a mix needs the mixer) */
  slateTransition: SlateTransition = { kind: 'cut', ms: 1000 };
  #lastPictureAt: number;
  #alarm?: string;
  /** why the cut in progress is slow */
  #slow?: string;
  #abandoned?: CutFailure;
  /** the director's cut in progress, and what it replaced: an abandoned cut puts the fallback back */
  #cut?: { source: string; byDirector: boolean; fallback?: Fallback; previewAtFallback?: string };
  /** the take last abandoned (its takenAt): never abandoned twice */
  #abandonedTake = 0;

  constructor(desk: ProgramDesk, log: Logger, opts: { now?: () => number; settings?: SwitchingSettings } = {}) {
    super();
    this.#desk = desk;
    this.#log = log;
    this.#now = opts.now ?? Date.now;
    this.#settings = opts.settings ?? SWITCHING;
    this.#lastPictureAt = this.#now();
  }

  get preview(): string | undefined {
    return this.#preview;
  }

  get fallback(): Readonly<Fallback> | undefined {
    return this.#fallback;
  }

  get alarm(): string | undefined {
    return this.#alarm;
  }

  /** Why the cut in progress has not happened yet (after cutSlowMs). */
  get slow(): string | undefined {
    return this.#desk.pending ? this.#slow : undefined;
  }

  /** The last cut that was abandoned, until the director cuts or picks a preview again. */
  get abandoned(): Readonly<CutFailure> | undefined {
    return this.#abandoned;
  }

  /** The fallback as the director sees it (what it covers, why, whether it is back). */
  get fallbackView(): { from: string; reason: string; backAt?: number } | undefined {
    const f = this.#fallback;
    return f ? { from: f.from, reason: f.reason, ...(f.backAt ? { backAt: f.backAt } : {}) } : undefined;
  }

  /** When the source now pending was taken. */
  get takenAt(): number {
    return this.#takenAt;
  }

  /** What a restarted server puts back: the director's program and preview. */
  get intent(): { program?: string; preview?: string } {
    return { program: this.#intended, preview: this.#preview };
  }

  /**
   * The camera the slate covers: it keeps flowing in while it is covered, so its return
   * is seen at once, and so is its going silent again once it is back.
   */
  get awaited(): string | undefined {
    return this.#fallback?.from;
  }

  /**
   * After a restart: the slate covers until the camera that was on air is back, then
   * that camera goes back on air by itself; preview is what it was.
   */
  resume(intent: { program?: string; preview?: string }, label: string): void {
    this.#preview = intent.preview;
    this.#intended = intent.program;
    if (intent.program && intent.program !== SLATE_ID) {
      this.#fallback = { from: intent.program, reason: `Régie restarted; the slate covers until "${label}" is back, then it goes on air by itself`, at: this.#now(), resume: true };
      this.#log.info({ source: intent.program }, 'resuming the show: waiting for the camera that was on air');
    }
    this.emit('changed');
  }

  setPreview(sourceId: string): void {
    if (!this.#desk.source(sourceId)) throw new NotFound(`there is no source "${sourceId}" to preview`);
    this.#preview = sourceId;
    this.#abandoned = undefined;
    this.emit('changed');
  }

  /** Preview goes on air, with a transition or cut; what was on air goes to preview (as on a hardware switcher). */
  cut(transition?: Transition): void {
    const next = this.#preview;
    if (!next) throw new Conflict('nothing is in preview: pick a source first');
    const source = this.#desk.source(next);
    if (!source?.tapped) throw new Conflict(`"${source?.label ?? next}" is not sending video yet`);
    if (source.codec && !this.#desk.accepts(source.codec)) throw new Conflict(codecRefusal(source.label, source.codec));
    const current = this.#desk.pending ?? this.#desk.onAir;
    const before = { source: next, byDirector: true, fallback: this.#fallback, previewAtFallback: this.#previewAtFallback };
    this.#preview = current && current !== next ? current : this.#preview;
    this.#fallback = undefined;
    this.#abandoned = undefined;
    this.#intended = next;
    this.#take(next, transition);
    this.#cut = before;
    this.#log.info({ source: next, onAir: this.#desk.onAir, pending: this.#desk.pending }, 'cut');
  }

  /** The plumbing switched the program to this source (its keyframe arrived). */
  switched(sourceId: string): void {
    this.#cut = undefined;
    // How long the switch waited for the new source's keyframe (what a cut costs).
    const keyframeWaitMs = this.#takenAt ? this.#now() - this.#takenAt : undefined;
    this.#log.info({ source: sourceId, keyframeWaitMs }, 'on air');
    this.emit('changed');
  }

  /** A source is there (again): with nothing on air, the slate is. */
  sourceAdded(): void {
    this.#ensureOnAir();
    this.emit('changed');
  }

  /** A source is gone for good (its slot deleted): it is in no bus and no plan. */
  sourceRemoved(sourceId: string): void {
    if (this.#preview === sourceId) this.#preview = undefined;
    if (this.#intended === sourceId) this.#intended = undefined;
    // (the slate stays on air; nothing says it waits for a camera that is gone for good)
    if (this.#fallback?.from === sourceId) this.#fallback = undefined;
    this.emit('changed');
  }

  /** A picture went out of the program. */
  pictureOut(): void {
    this.#lastPictureAt = this.#now();
  }

  /** Looked at often (every 0.1 s): the program never stalls and never stays without a picture. */
  tick(): void {
    this.#ensureOnAir();
    this.#checkCut();
    this.#checkReturn();
    this.#checkPicture();
    this.#checkStall();
  }

  /** What a camera's tally light shows. */
  tally(sourceId: string): Parameters<CameraServerEvents['tally']>[0]['state'] {
    if (this.#desk.onAir === sourceId) return 'program';
    if (this.#preview === sourceId || this.#desk.pending === sourceId) return 'preview';
    return 'idle';
  }

  #take(sourceId: string, transition?: Transition): void {
    this.#takenAt = this.#now();
    this.#slow = undefined;
    this.#cut = undefined; // whatever takes now is not the director's cut (cut() sets it again)
    this.#desk.take(sourceId, transition);
    this.emit('changed');
  }

  /**
   * A cut happens within a second or says why: a source that left is given up at once,
   * one slow to send its keyframe is asked again and the director told, and one that
   * never does is given up; then what was on air stays, and its shot is back in preview.
   */
  #checkCut(): void {
    const pending = this.#desk.pending;
    if (!pending || pending === SLATE_ID) return; // the slate is the fallback: it is always waited for
    if (this.#abandonedTake === this.#takenAt) return; // given up already (nothing could replace it)
    const source = this.#desk.source(pending);
    const waited = this.#now() - this.#takenAt;
    const label = source?.label ?? pending;
    if (!source?.present) return this.#abandon(pending, `"${label}" left before it could go on air`);
    if (waited >= this.#settings.cutGiveUpMs) {
      return this.#abandon(pending, `"${label}" sent no picture to cut on in ${Math.round(waited / 1000)} s (no keyframe: its video may not be decodable on air)`);
    }
    if (waited >= this.#settings.cutSlowMs && !this.#slow) {
      const silentFor = this.#now() - source.lastVideoAt;
      this.#slow = silentFor > this.#settings.slateAfterMs
        ? `no video is arriving from "${label}"`
        : `waiting for a keyframe from "${label}" (asked again)`;
      this.#desk.askKeyFrame();
      this.emit('changed');
    }
  }

  #abandon(sourceId: string, reason: string): void {
    this.#abandoned = { source: sourceId, reason, at: this.#now() };
    this.#abandonedTake = this.#takenAt;
    this.#log.warn({ source: sourceId, waitedMs: this.#now() - this.#takenAt, reason }, 'cut abandoned');
    const cut = this.#cut?.source === sourceId ? this.#cut : undefined;
    this.#cut = undefined;
    // The failed shot goes back to preview (if it is still there), one key away from trying again.
    if (cut?.byDirector && this.#desk.source(sourceId)) this.#preview = sourceId;
    // A cut made while the slate covered a camera puts that cover back: still awaited, still said.
    if (cut?.fallback) {
      this.#fallback = cut.fallback;
      this.#previewAtFallback = cut.previewAtFallback;
    }
    // Taking what is on air cancels the pending switch: the program stays as it is.
    const onAir = this.#desk.onAir ?? (this.#desk.source(SLATE_ID)?.present ? SLATE_ID : undefined);
    if (onAir) this.#take(onAir);
    // What a restart would put back is what the director last had on air.
    this.#intended = this.#fallback?.from ?? onAir;
    this.#slow = undefined;
    this.emit('changed');
  }

  /** With nothing on air (at start, or anything lost), the slate is: the program always has a picture. */
  #ensureOnAir(): void {
    if (this.#desk.onAir !== undefined || this.#desk.pending !== undefined) return;
    if (this.#desk.source(SLATE_ID)?.present) this.#take(SLATE_ID);
  }

  /** A silent on-air source is replaced by the slate. */
  #checkStall(): void {
    const onAir = this.#desk.onAir;
    if (!onAir || onAir === SLATE_ID || this.#desk.pending === SLATE_ID) return;
    const source = this.#desk.source(onAir);
    const silentFor = this.#now() - (source?.lastVideoAt ?? 0);
    // A source whose producer lives is still there while its tap is made anew (the
    // program rebuilt after a worker died): only silence puts the slate on.
    const present = Boolean(source?.present);
    if (present && silentFor < this.#settings.slateAfterMs) return;
    // A cut already on its way to a source that sends lands at that source's keyframe, as
    // soon as the slate would: the slate taking over would throw the director's cut away.
    // Only while the cut is young: one slow to land (no keyframe) leaves the frozen picture
    // of a dead camera on air no longer than a slow cut is said to be slow.
    const pending = this.#desk.pending;
    const next = pending && pending !== onAir ? this.#desk.source(pending) : undefined;
    if (next?.present && this.#now() - (next.lastVideoAt ?? 0) < this.#settings.slateAfterMs
      && this.#now() - this.#takenAt < this.#settings.cutSlowMs) return;
    const lost = present ? `no video from "${source!.label}" for ${silentFor} ms` : `"${source?.label ?? onAir}" left`;
    // A director's cut still on its way stays the director's choice: the slate covers
    // until that camera sends (it then goes on air by itself, or waits in preview, as
    // any camera the slate covers). The camera cut away from never comes back by itself.
    // (Seen on a starved machine: both cameras of one browser fell silent together, the
    // one cut away from came back first, and the director's cut was lost.)
    const cut = this.#cut?.byDirector && this.#cut.source === pending && next ? next : undefined;
    const reason = cut ? `${lost}; the cut to "${cut.label}" waits for its picture` : lost;
    // A stalled camera's last picture can dissolve into the slate; one that left is cut
    // from (nothing of it is left to dissolve).
    const transition = present && this.slateTransition.kind === 'mix' ? this.slateTransition : undefined;
    // (one that sends already, only its keyframe late, is taken again as soon as the slate is on)
    const sending = cut && this.#now() - cut.lastVideoAt <= this.#settings.backWithinMs;
    this.#fallback = { from: cut ? pending! : onAir, reason, at: this.#now(), ...(sending ? { backSince: this.#now() - this.#settings.steadyMs } : {}) };
    this.#previewAtFallback = this.#preview;
    this.#log.warn({ source: onAir, reason }, 'on-air source stalled; slate on air');
    // Even while the slate itself is being made anew: it goes on air with its first keyframe.
    this.#take(SLATE_ID, transition);
  }

  /**
   * The camera the slate replaced sends again. Back and steady soon enough (a glitch),
   * it goes back on air by itself, and the director's preview is left alone. Back later,
   * the director is told, and it waits in preview (one key takes it back on air) unless
   * the director picked another preview meanwhile. After a restart it goes back on air by
   * itself: that is what the director had chosen. A source that goes silent again is no
   * longer "back".
   */
  #checkReturn(): void {
    const fallback = this.#fallback;
    if (!fallback) return;
    if (!fallback.resume && this.#desk.onAir !== SLATE_ID) return;
    const now = this.#now();
    const source = this.#desk.source(fallback.from);
    const sending = Boolean(source?.tapped && now - source.lastVideoAt <= this.#settings.backWithinMs);
    if (fallback.backAt) {
      if (!sending && now - (source?.lastVideoAt ?? 0) > this.#settings.slateAfterMs) {
        fallback.backAt = undefined; // gone again: the sign must say so
        fallback.backSince = undefined;
        this.#log.info({ source: fallback.from }, 'the camera the slate replaced is gone again');
        this.emit('changed');
      }
      return;
    }
    if (!sending) {
      fallback.backSince = undefined;
      return;
    }
    if (fallback.resume) {
      this.#fallback = undefined;
      this.#log.info({ source: fallback.from }, 'the camera that was on air before the restart is back; on air again');
      this.#take(fallback.from);
      return;
    }
    fallback.backSince ??= now;
    const returnBy = fallback.at + this.#settings.autoReturnMs;
    if (this.#settings.autoReturnMs > 0 && fallback.backSince <= returnBy) {
      if (now - fallback.backSince < this.#settings.steadyMs) return; // back, not yet steady
      this.#fallback = undefined;
      this.#intended = fallback.from;
      this.#log.info({ source: fallback.from, outageMs: fallback.backSince - fallback.at + this.#settings.slateAfterMs }, 'the camera the slate replaced is back and steady; on air again by itself');
      this.#take(fallback.from);
      // If it never makes it on air (gone before its keyframe), the slate covers it again.
      this.#cut = { source: fallback.from, byDirector: false, fallback: { ...fallback, backSince: undefined }, previewAtFallback: this.#previewAtFallback };
      return;
    }
    fallback.backAt = now;
    if (this.#preview === this.#previewAtFallback) this.#preview = fallback.from;
    this.#log.info({ source: fallback.from }, 'the camera the slate replaced is back; in preview');
    this.emit('changed');
  }

  /** The program must never be without picture; if it is, the studio shows an alarm. */
  #checkPicture(): void {
    const silentFor = this.#now() - this.#lastPictureAt;
    const pending = this.#desk.pending;
    const alarm = silentFor > this.#settings.noPictureAlarmMs
      ? `No picture on the program for ${Math.floor(silentFor / 1000)} s: ${pending ? `waiting for "${this.#desk.source(pending)?.label ?? pending}" to send a picture` : 'no source is sending video'}`
      : undefined;
    if (alarm === this.#alarm) return;
    if (alarm && !this.#alarm) this.#log.error({ pending, onAir: this.#desk.onAir }, 'no picture on the program');
    if (!alarm && this.#alarm) this.#log.info('the program has a picture again');
    this.#alarm = alarm;
    this.emit('changed');
  }
}
