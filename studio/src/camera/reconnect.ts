// How a camera page gets its media back after a network change or loss, by itself.
// First the cheap fix: an ICE restart on the same transport (same producers, so the
// director's tile, tally and switcher place never change). If that does not bring
// the media back, a full rejoin (new transport, new producers, same slot), retried
// with jittered exponential backoff for as long as the operator wants to be live.
// Pure policy: the actions and the clock are given, so it is unit-tested as is.

export type RecoveryPhase =
  | 'idle' // not publishing
  | 'joining' // the first join
  | 'steady' // media is getting through
  | 'waiting' // media or signalling lost; waiting a moment, or for the studio to be reachable
  | 'restarting-ice'
  | 'rejoining';

/** The WebRTC transport's connection state, as the browser reports it. */
export type MediaState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export type RecoveryActions = {
  /** New ICE credentials from the SFU for the existing transport; throws if it has none. */
  restartIce: () => Promise<void>;
  /** A new transport and producers in the same slot. */
  rejoin: () => Promise<void>;
};

export type Clock = {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
};

export const RECOVERY = {
  /** 'disconnected' often heals by itself (a lost burst); give it this long first */
  disconnectedGraceMs: 1500,
  /** an ICE restart (or a rejoin) that has not reconnected media by then has failed */
  connectTimeoutMs: 6000,
  /** ICE restarts tried in one outage before rejoining */
  iceRestarts: 1,
  backoffBaseMs: 500,
  backoffMaxMs: 8000,
};

/** The wait before rejoin attempt n (0-based): 0, then 0.5 s, 1 s, 2 s … up to 8 s, ±25 %. */
export function backoffMs(attempt: number, random: () => number, policy = RECOVERY): number {
  if (attempt === 0) return 0;
  const base = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: Math.random,
};

export class Reconnector {
  #phase: RecoveryPhase = 'idle';
  #media: MediaState = 'new';
  #signalling = false;
  #iceRestarts = 0;
  #attempt = 0;
  #timer: unknown;
  #generation = 0; // bumped whenever a step is superseded: stale completions are ignored
  readonly #actions: RecoveryActions;
  readonly #onPhase: (phase: RecoveryPhase, detail?: string) => void;
  readonly #clock: Clock;
  readonly #policy: typeof RECOVERY;

  constructor(actions: RecoveryActions, onPhase: (phase: RecoveryPhase, detail?: string) => void,
    opts: { clock?: Clock; policy?: Partial<typeof RECOVERY> } = {}) {
    this.#actions = actions;
    this.#onPhase = onPhase;
    this.#clock = opts.clock ?? realClock;
    this.#policy = { ...RECOVERY, ...opts.policy };
  }

  get phase(): RecoveryPhase {
    return this.#phase;
  }

  /** Rejoin attempts made in this outage. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The operator pressed Start: join now (signalling permitting). */
  start(): void {
    if (this.#phase !== 'idle') return;
    this.#attempt = 0;
    this.#iceRestarts = 0;
    this.#set('joining');
    if (this.#signalling) this.#rejoin();
  }

  stop(): void {
    this.#cancel();
    this.#set('idle');
  }

  mediaState(state: MediaState): void {
    this.#media = state;
    if (this.#phase === 'idle') return;
    if (state === 'connected') {
      this.#cancel();
      this.#attempt = 0;
      this.#iceRestarts = 0;
      this.#set('steady');
    } else if (state === 'disconnected' && this.#phase === 'steady') {
      this.#set('waiting', 'the network dropped; waiting a moment');
      this.#later(this.#policy.disconnectedGraceMs, () => this.#recover());
    } else if (state === 'failed' && (this.#phase === 'steady' || this.#phase === 'waiting')) {
      this.#recover();
    }
  }

  /**
   * The studio's signalling connection came up or went down. On coming back, the page
   * says whether the SFU still holds its transport (else only a rejoin can help).
   */
  signalling(up: boolean, sessionKept = true): void {
    this.#signalling = up;
    if (!up || this.#phase === 'idle') return;
    if (this.#phase === 'joining') return this.#rejoin();
    if (!sessionKept) return this.#rejoin();
    if (this.#phase === 'steady' && this.#media === 'connected') return;
    // Back in touch with the studio while the media is down: recover now, not at a timer.
    this.#cancel();
    this.#recover();
  }

  #recover(): void {
    if (!this.#signalling) {
      this.#cancel();
      this.#set('waiting', 'cannot reach the studio; retrying by itself');
      return; // socket.io reconnects by itself; signalling(true) resumes here
    }
    if (this.#iceRestarts < this.#policy.iceRestarts) {
      this.#iceRestarts++;
      this.#restartIce();
    } else {
      this.#rejoin();
    }
  }

  #restartIce(): void {
    const gen = this.#step('restarting-ice');
    this.#actions.restartIce().then(() => {
      if (gen !== this.#generation) return;
      this.#later(this.#policy.connectTimeoutMs, () => this.#rejoin('the ICE restart did not bring the media back'));
    }, (err: Error) => {
      if (gen === this.#generation) this.#rejoin(`ICE restart refused: ${err.message}`);
    });
  }

  #rejoin(why?: string): void {
    const first = this.#phase === 'joining';
    const delay = backoffMs(this.#attempt, this.#clock.random, this.#policy);
    const gen = this.#step(first ? 'joining' : 'rejoining', why);
    this.#later(delay, () => {
      this.#attempt++;
      this.#actions.rejoin().then(() => {
        if (gen !== this.#generation) return;
        if (this.#media === 'connected') return this.mediaState('connected');
        this.#later(this.#policy.connectTimeoutMs, () => this.#rejoin('the media did not connect'));
      }, (err: Error) => {
        if (gen !== this.#generation) return;
        if (!this.#signalling) return this.#recover();
        this.#rejoin(err.message);
      });
    }, gen);
  }

  /** Starts a new step: earlier timers and pending completions no longer count. */
  #step(phase: RecoveryPhase, detail?: string): number {
    this.#cancel();
    this.#set(phase, detail);
    return this.#generation;
  }

  #later(ms: number, fn: () => void, gen = this.#generation): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      if (gen === this.#generation) fn();
    }, ms);
  }

  #cancel(): void {
    this.#generation++;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #set(phase: RecoveryPhase, detail?: string): void {
    this.#phase = phase;
    this.#onPhase(phase, detail);
  }
}
