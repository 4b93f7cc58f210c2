// How a camera page gets its media back after a network change or loss, by itself.
// First the cheap fix: an ICE restart on the same transport (same producers, so the
// director's tile, tally and switcher place never change). If that does not bring
// the media back, a full rejoin (new transport, new producers, same slot), retried
// with jittered exponential backoff for as long as the operator wants to be live.
// Pure policy: the actions and the clock are given, so it is unit-tested as is.
//
// 'steady' (the page says it is live) means all of it: the join went through (every
// producer in place), the media is connected, and the studio is reachable. Losing
// any of them is said at once; what the page does about it depends on which:
// - the studio unreachable: nothing can be done until socket.io is back, and no step
//   that needs the studio counts as tried (a request that never reached it proves
//   nothing), so nothing is torn down for it; back with its session kept, an ICE
//   restart, or nothing at all if the media kept flowing;
// - a step in flight (a rejoin, an ICE restart) is left to finish: its requests either
//   fail at once when the connection drops or are sent when it is back, so it always
//   ends, and starting another beside it would only race it.
import { backoffMs, type BackoffPolicy } from '../../../shared/src/backoff';

export type RecoveryPhase =
  | 'idle' // not publishing
  | 'joining' // the first join
  | 'steady' // media is getting through
  | 'waiting' // media or signalling lost; waiting a moment, or for the studio to be reachable again
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
  /** between rejoin attempts */
  backoff: { firstMs: 500, maxMs: 8000 } as BackoffPolicy,
};

/** The wait before rejoin attempt n (0-based): 0, then 0.5 s, 1 s, 2 s … up to 8 s, ±25 %. */
export function rejoinDelayMs(attempt: number, random: () => number, policy = RECOVERY): number {
  return attempt === 0 ? 0 : backoffMs(attempt, policy.backoff, random);
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
  /** the last (re)join went through: a transport with all its producers is in place */
  #joined = false;
  /** the studio said it no longer holds our session while a step was in flight */
  #mustRejoin = false;
  /** the generation of the step whose answer is awaited (a rejoin or an ICE restart), if any */
  #inFlight = -1;
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
    this.#joined = false;
    this.#mustRejoin = false;
    this.#set('joining');
    if (this.#signalling) this.#rejoin();
  }

  stop(): void {
    this.#cancel();
    this.#joined = false;
    this.#set('idle');
  }

  mediaState(state: MediaState): void {
    this.#media = state;
    if (this.#phase === 'idle') return;
    if (state === 'connected') {
      this.#settle();
    } else if (state === 'disconnected' && this.#phase === 'steady') {
      this.#set('waiting', 'the network dropped; waiting a moment');
      this.#later(this.#policy.disconnectedGraceMs, () => this.#recover());
    } else if (state === 'failed' && (this.#phase === 'steady' || (this.#phase === 'waiting' && !this.#busy))) {
      this.#recover();
    }
  }

  /**
   * The studio's signalling connection came up or went down. On coming back, the page
   * says whether the SFU still holds its transport (else only a rejoin can help).
   */
  signalling(up: boolean, sessionKept = true): void {
    this.#signalling = up;
    if (this.#phase === 'idle') return;
    if (!up) {
      // Said at once; a grace timer or a step in flight finds the studio unreachable by itself.
      if (this.#phase === 'steady') this.#set('waiting', UNREACHABLE);
      return;
    }
    if (this.#busy) {
      // Its requests go out now that the studio is back: let it finish, then see.
      if (!sessionKept) this.#mustRejoin = true;
      return;
    }
    if (!sessionKept || !this.#joined) {
      this.#cancel();
      return this.#rejoin(sessionKept ? undefined : 'the studio no longer had this camera\'s connection');
    }
    if (this.#media === 'connected') return this.#settle(); // the media kept flowing: nothing to mend
    // Back in touch with the studio, which kept our transport, while the media is down:
    // an ICE restart now (whatever was tried while the studio could not answer).
    this.#cancel();
    this.#iceRestarts = 0;
    this.#recover();
  }

  /** A step is waiting for the studio's answer. */
  get #busy(): boolean {
    return this.#inFlight === this.#generation;
  }

  /** Live when everything is there: the join done, the media connected, the studio reachable. */
  #settle(): void {
    if (this.#phase === 'steady' || !this.#joined || this.#media !== 'connected' || !this.#signalling) return;
    if (this.#mustRejoin) return; // the step in flight ends in a rejoin
    this.#cancel();
    this.#attempt = 0;
    this.#iceRestarts = 0;
    this.#set('steady');
  }

  #recover(): void {
    if (!this.#signalling) {
      this.#cancel();
      this.#set('waiting', UNREACHABLE);
      return; // socket.io reconnects by itself; signalling(true) resumes here
    }
    if (!this.#joined || this.#mustRejoin) {
      this.#rejoin(this.#mustRejoin ? 'the studio no longer had this camera\'s connection' : undefined);
    } else if (this.#iceRestarts < this.#policy.iceRestarts) {
      this.#iceRestarts++;
      this.#restartIce();
    } else {
      this.#rejoin();
    }
  }

  #restartIce(): void {
    const gen = this.#step('restarting-ice');
    this.#inFlight = gen;
    this.#actions.restartIce().then(() => {
      if (gen !== this.#generation) return;
      this.#inFlight = -1;
      if (this.#mustRejoin) return this.#recover();
      this.#settle();
      if (this.#phase === 'steady') return;
      this.#later(this.#policy.connectTimeoutMs, () => this.#unlessUnreachable(() => this.#rejoin('the ICE restart did not bring the media back')));
    }, (err: Error) => {
      if (gen !== this.#generation) return;
      this.#inFlight = -1;
      // Not answered because the studio could not be reached: that says nothing of the
      // transport, which the studio keeps for a while. Wait for it.
      if (!this.#signalling) return this.#recover();
      this.#rejoin(`ICE restart refused: ${err.message}`);
    });
  }

  #rejoin(why?: string): void {
    const first = this.#phase === 'joining';
    const delay = rejoinDelayMs(this.#attempt, this.#clock.random, this.#policy);
    const gen = this.#step(first ? 'joining' : 'rejoining', why);
    this.#later(delay, () => this.#unlessUnreachable(() => {
      // A rejoin replaces the transport and its producers: from here, only its success counts.
      this.#attempt++;
      this.#joined = false;
      this.#mustRejoin = false;
      this.#media = 'new';
      this.#inFlight = gen;
      this.#actions.rejoin().then(() => {
        if (gen !== this.#generation) return;
        this.#inFlight = -1;
        if (this.#mustRejoin) return this.#recover();
        this.#joined = true;
        this.#settle();
        if (this.#phase === 'steady') return;
        if (!this.#signalling) return this.#recover();
        this.#later(this.#policy.connectTimeoutMs, () => this.#unlessUnreachable(() => this.#rejoin('the media did not connect')));
      }, (err: Error) => {
        if (gen !== this.#generation) return;
        this.#inFlight = -1;
        if (!this.#signalling) return this.#recover();
        this.#rejoin(err.message);
      });
    }), gen);
  }

  /** Nothing that needs the studio is started while it cannot be reached. */
  #unlessUnreachable(fn: () => void): void {
    if (this.#signalling) fn();
    else this.#recover();
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

const UNREACHABLE = 'cannot reach the studio; retrying by itself';
