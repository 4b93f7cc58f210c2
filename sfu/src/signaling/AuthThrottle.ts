// Wrong secrets, counted per address. The first few tries are free (a typo); after
// that every try must wait longer before it is even checked — doubling up to a
// minute — so a patient attacker gets a handful of guesses a minute instead of
// thousands a second. A burst is logged once, not once per try.
export type ThrottleOptions = {
  /** failures allowed before any waiting */
  free: number;
  baseMs: number;
  maxMs: number;
  /** an address quiet for this long starts afresh */
  forgetMs: number;
  now?: () => number;
};

type Record = { failures: number; lastAt: number; until: number };

export const DEFAULT_THROTTLE: ThrottleOptions = { free: 5, baseMs: 1000, maxMs: 60_000, forgetMs: 10 * 60_000 };

export class AuthThrottle {
  readonly #o: ThrottleOptions;
  readonly #now: () => number;
  readonly #byAddress = new Map<string, Record>();

  constructor(options: ThrottleOptions = DEFAULT_THROTTLE) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** How long this address must still wait before its next try is checked (0: go ahead). */
  waitMs(address: string): number {
    const r = this.#fresh(address);
    return r ? Math.max(0, r.until - this.#now()) : 0;
  }

  /** A wrong secret from this address; says whether it starts a burst (the one to log). */
  failed(address: string): { burstStart: boolean; failures: number } {
    const now = this.#now();
    const r = this.#fresh(address) ?? { failures: 0, lastAt: now, until: 0 };
    r.failures++;
    r.lastAt = now;
    const over = r.failures - this.#o.free;
    r.until = over > 0 ? now + Math.min(this.#o.maxMs, this.#o.baseMs * 2 ** (over - 1)) : 0;
    this.#byAddress.set(address, r);
    if (this.#byAddress.size > 10_000) this.#prune(now); // bounded memory under a spray of addresses
    return { burstStart: r.failures === 1, failures: r.failures };
  }

  succeeded(address: string): void {
    this.#byAddress.delete(address);
  }

  #fresh(address: string): Record | undefined {
    const r = this.#byAddress.get(address);
    if (r && this.#now() - r.lastAt > this.#o.forgetMs && this.#now() >= r.until) {
      this.#byAddress.delete(address);
      return undefined;
    }
    return r;
  }

  #prune(now: number): void {
    for (const [a, r] of this.#byAddress) if (now - r.lastAt > this.#o.forgetMs && now >= r.until) this.#byAddress.delete(a);
  }
}
