// The watch page's side of the show — what a public viewer may know, and nothing else:
// who may watch (anyone, or only with the viewer link), the HLS program's files, the
// page's state (starting soon, on air, ended) and how many watch. The director changes
// who may watch; everything else follows the broadcast.
import type { Countdown, WatchState, WatchView } from '../../../shared/src/protocol.js';
import type { Broadcast } from '../outputs/Broadcast.js';
import { PLAYLIST, SEGMENT_NAME } from '../outputs/hls/HlsOutput.js';
import { ViewerCount } from '../outputs/hls/ViewerCount.js';
import type { WhepViewers } from '../outputs/whep/WhepViewers.js';
import type { ShowDatabase } from '../store/database.js';
import { WatchStore } from '../store/WatchStore.js';

/** What the watch page reads from the show it belongs to. */
type ShowSide = {
  name: string;
  publicUrl: () => string;
  countdown: () => Countdown | undefined;
  broadcast: Broadcast;
  whep: WhepViewers;
  changed: () => void;
};

export class WatchPage {
  readonly #store: WatchStore;
  readonly #viewers = new ViewerCount();
  readonly #show: ShowSide;
  /** the viewer count last shown to the director (it changes with time, not events) */
  #viewersShown = 0;
  readonly #viewerTick: NodeJS.Timeout;

  constructor(db: ShowDatabase, show: ShowSide) {
    this.#store = new WatchStore(db);
    this.#show = show;
    // The count changes with time (viewers leave silently): looked at every 2 s, and the
    // director told when it changed.
    this.#viewerTick = setInterval(() => {
      const now = this.#viewers.count();
      if (now === this.#viewersShown) return;
      this.#viewersShown = now;
      show.changed();
    }, 2000);
    this.#viewerTick.unref();
  }

  /** The watch page's state, for a viewer with this key (undefined: the key does not open it). */
  state(key: string | undefined): WatchState | undefined {
    if (!this.#store.opens(key)) return undefined;
    const { view, endedAt } = this.#show.broadcast.hls;
    const countdown = this.#show.countdown();
    const base = { showName: this.#show.name, ...(countdown ? { countdown } : {}) };
    const playlist = `/hls/${this.#store.key}/${PLAYLIST}`;
    if (view.state === 'on') return { ...base, state: 'on-air', playlist, whep: '/whep' };
    // Ended: the playlist stays (it says where it ends), so viewers a few segments behind see the finale.
    if (view.state === 'off' && endedAt) return { ...base, state: 'ended', ...(view.segments > 0 ? { playlist } : {}) };
    return { ...base, state: 'starting-soon' };
  }

  /**
   * A file of the HLS program for a viewer with this key: its path, or undefined (the
   * key does not open it, or there is no such file). A playlist request counts its
   * client as a viewer.
   */
  hlsFile(key: string, name: string, client: { address: string; userAgent: string }): { dir: string; name: string } | undefined {
    if (!this.#store.opens(key) || (name !== PLAYLIST && !SEGMENT_NAME.test(name))) return undefined;
    if (name === PLAYLIST) this.#viewers.seen(client.address, client.userAgent);
    return { dir: this.#show.broadcast.hls.dir, name };
  }

  /** What the director's *Watch page* panel shows. */
  view(): WatchView {
    const { view } = this.#show.broadcast.hls;
    const base = this.#show.publicUrl();
    const { access, key } = this.#store;
    const link = access === 'public' ? `${base}/watch` : `${base}/watch?v=${key}`;
    const lowLatency = access === 'public' ? `${base}/watch?low-latency` : `${base}/watch?low-latency&v=${key}`;
    return { access, link, hls: { ...view, viewers: this.#viewersShown }, whep: { link: lowLatency, viewers: this.#show.whep.count } };
  }

  /** The key opens the watch page (and its WHEP program). */
  opens(key: string | undefined): boolean {
    return this.#store.opens(key);
  }

  /** There is a program for viewers: the show is live (its HLS is on). */
  get onAir(): boolean {
    return this.#show.broadcast.hls.view.state === 'on';
  }

  setAccess(access: WatchView['access']): void {
    this.#store.setAccess(access);
    this.#viewers.clear(); // those who watched by the old address must come back by the new one
    this.#show.whep.endAll('who may watch changed'); // (a player with a key that still works comes back by itself)
    this.#show.changed();
  }

  newLink(): void {
    this.#store.newLink();
    this.#viewers.clear();
    this.#show.whep.endAll('the viewer link was replaced');
    this.#show.changed();
  }

  close(): void {
    clearInterval(this.#viewerTick);
  }
}
