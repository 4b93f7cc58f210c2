// Whether the studio is still heard on the media transport, from the page's own
// counters: a live send transport always receives something from the SFU (transport-cc
// feedback many times a second while media flows, RTCP receiver reports about every
// second, answers to the browser's ICE consent checks), so nothing at all for a few
// seconds means the path is gone. The browser's own verdict ('disconnected') only
// comes after its ICE checks time out, about 6 s into an outage in Chromium, later on
// some networks: the operator is told within SILENCE.silentMs instead.
// Pure: readings are given, so it is unit-tested as is.
import type { MediaState } from './reconnect';

export const SILENCE = {
  /** how often the page reads the transport's counters while it is connected */
  intervalMs: 500,
  /**
   * nothing received for this long: the path is gone. Measured on a live camera page:
   * the longest gap is ~0.2 s while media flows, ~1.5 s with no track sending at all.
   */
  silentMs: 2500,
};

/** Bytes received on the transport so far, from a getStats() report; undefined if it does not say. */
export function receivedBytes(report: { forEach: (fn: (s: Record<string, unknown>) => void) => void }): number | undefined {
  let transport: number | undefined;
  let pairs: number | undefined;
  report.forEach((s) => {
    if (typeof s.bytesReceived !== 'number') return;
    if (s.type === 'transport') transport = (transport ?? 0) + s.bytesReceived;
    // Browsers without transport stats: the pair ICE chose carries everything.
    else if (s.type === 'candidate-pair' && (s.nominated === true || s.selected === true)) pairs = (pairs ?? 0) + s.bytesReceived;
  });
  return transport ?? pairs;
}

export class SilenceDetector {
  readonly #policy: typeof SILENCE;
  #bytes?: number;
  #heardAt = 0;
  #readAt?: number;

  constructor(policy: Partial<typeof SILENCE> = {}) {
    this.#policy = { ...SILENCE, ...policy };
  }

  /** One reading of the received-bytes counter at time `at` (ms); true while the transport is silent. */
  read(bytes: number | undefined, at: number): boolean {
    const sinceLastRead = this.#readAt === undefined ? Infinity : at - this.#readAt;
    this.#readAt = at;
    if (bytes === undefined) {
      this.#bytes = undefined; // the browser does not say: no verdict
      return false;
    }
    const first = this.#bytes === undefined;
    const grew = !first && bytes > this.#bytes!;
    this.#bytes = bytes;
    // The page itself did not run for longer than the window (frozen, throttled): it
    // cannot tell when the last packet came, so it starts counting again.
    if (first || grew || sinceLastRead > this.#policy.silentMs) {
      this.#heardAt = at;
      return false;
    }
    return at - this.#heardAt >= this.#policy.silentMs;
  }

  /** A new transport, or one that is not connected: readings start over. */
  reset(): void {
    this.#bytes = undefined;
    this.#readAt = undefined;
  }
}

/** What the camera page acts on: the browser's state, unless the transport has gone silent. */
export function effectiveMediaState(browser: MediaState, silent: boolean): MediaState {
  return browser === 'connected' && silent ? 'disconnected' : browser;
}
