// How long to wait before trying again, the same way everywhere: the server's
// processes, its destinations, mediasoup workers, and the camera page's reconnects.
// Exponential, so a failure that lasts costs little; jittered (±25 %), so parties that
// failed together (every destination when the network drops, every phone when the
// server restarts) do not all come back in the same instant.

export type BackoffPolicy = {
  /** the wait before the first retry */
  firstMs: number;
  /** the wait never grows beyond this */
  maxMs: number;
};

/** The wait before retry number `attempt` (1 for the first retry). */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}
