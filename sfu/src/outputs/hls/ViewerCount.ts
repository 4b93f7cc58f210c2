// How many watch the HLS program: a player fetches the playlist every segment or so, so
// a client (address and browser) seen in the last few segments is one viewer. Behind a
// CDN this counts the CDN's edges, not people — the CDN's own numbers say the rest.
import { createHash } from 'node:crypto';

/** A client not seen for this long has stopped watching. */
export const VIEWER_WINDOW_MS = 15_000;
/** Clients kept at most: a flood of made-up ones costs bounded memory and time (the count says "at least"). */
export const MAX_CLIENTS = 20_000;

export class ViewerCount {
  readonly #lastSeen = new Map<string, number>();

  /** A playlist request from this client (kept only as a hash: no addresses in memory dumps). */
  seen(address: string, userAgent: string, now = Date.now()): void {
    const key = createHash('sha256').update(`${address}\n${userAgent.slice(0, 200)}`).digest('base64url').slice(0, 16);
    if (this.#lastSeen.size >= MAX_CLIENTS && !this.#lastSeen.has(key)) return;
    this.#lastSeen.set(key, now);
  }

  count(now = Date.now()): number {
    for (const [key, at] of this.#lastSeen) if (now - at > VIEWER_WINDOW_MS) this.#lastSeen.delete(key);
    return this.#lastSeen.size;
  }

  clear(): void {
    this.#lastSeen.clear();
  }
}
