import { describe, expect, it } from 'vitest';
import { rejoinDelayMs, Reconnector, type Clock, type RecoveryPhase } from './reconnect';

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => { this.#timers.delete(h as number); };
  random = () => 0.5; // no jitter: the middle of the range
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await flush(); // promise settlements may set new timers that are already due
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
      await flush();
    }
    this.now = end;
    await flush();
  }
}
const flush = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

type Pending = { resolve: () => void; reject: (err: Error) => void };

/**
 * `rejoinFails`: how many rejoins (the join included) fail; `failRejoins(n)` sets it later.
 * `hold`: actions wait for the test to settle them (an answer that is slow to come).
 */
function setup(opts: { restartIceFails?: boolean; rejoinFails?: number; hold?: boolean } = {}) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const phases: RecoveryPhase[] = [];
  const pending: Pending[] = [];
  let rejoinFailures = opts.rejoinFails ?? 0;
  const held = () => new Promise<void>((resolve, reject) => { pending.push({ resolve, reject }); });
  const r = new Reconnector({
    restartIce: async () => {
      calls.push(`restartIce@${clock.now}`);
      if (opts.hold) return held();
      if (opts.restartIceFails) throw new Error('unknown transport');
    },
    rejoin: async () => {
      calls.push(`rejoin@${clock.now}`);
      if (opts.hold) return held();
      if (rejoinFailures-- > 0) throw new Error('no route to the studio');
    },
  }, (p) => { if (phases.at(-1) !== p) phases.push(p); }, { clock });
  return { r, clock, calls, phases, pending, failRejoins: (n: number) => { rejoinFailures = n; } };
}

/** Joined and live, with the studio reachable. */
async function live(s: ReturnType<typeof setup>) {
  s.r.signalling(true);
  s.r.start();
  await s.clock.advance(0);
  s.pending.shift()?.resolve();
  await s.clock.advance(0);
  s.r.mediaState('connected');
  expect(s.r.phase).toBe('steady');
  s.calls.length = 0;
}

describe('Reconnector: the camera page gets its media back by itself', () => {
  it('joins on start, and is steady once the media connects', async () => {
    const s = setup();
    s.r.signalling(true);
    s.r.start();
    await s.clock.advance(0);
    expect(s.calls).toEqual(['rejoin@0']);
    s.r.mediaState('connected');
    expect(s.r.phase).toBe('steady');
  });

  it('waits for the studio before the first join', async () => {
    const s = setup();
    s.r.start();
    await s.clock.advance(5000);
    expect(s.calls).toEqual([]);
    s.r.signalling(true);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['rejoin@5000']);
  });

  it('gives a short drop time to heal by itself, without touching anything', async () => {
    const s = setup();
    await live(s);
    s.r.mediaState('disconnected');
    expect(s.r.phase).toBe('waiting');
    await s.clock.advance(1000);
    s.r.mediaState('connected');
    await s.clock.advance(20000);
    expect(s.calls).toEqual([]);
    expect(s.r.phase).toBe('steady');
  });

  it('tries an ICE restart first (same producers), after the grace period', async () => {
    const s = setup();
    await live(s);
    s.clock.now = 100;
    s.r.mediaState('disconnected');
    await s.clock.advance(1500);
    expect(s.calls).toEqual(['restartIce@1600']);
    expect(s.r.phase).toBe('restarting-ice');
    s.r.mediaState('connected');
    expect(s.r.phase).toBe('steady');
    await s.clock.advance(30000);
    expect(s.calls).toEqual(['restartIce@1600']); // nothing more once it worked
  });

  it('restarts ICE at once when the connection failed outright', async () => {
    const s = setup();
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0']);
  });

  it('rejoins when the ICE restart does not bring the media back in time', async () => {
    const s = setup();
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(6000);
    expect(s.calls).toEqual(['restartIce@0', 'rejoin@6000']);
    expect(s.phases.slice(-2)).toEqual(['restarting-ice', 'rejoining']);
  });

  it('rejoins at once when the SFU no longer has the transport', async () => {
    const s = setup({ restartIceFails: true });
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0', 'rejoin@0']);
  });

  it('retries a failing rejoin with exponential backoff, for as long as it takes', async () => {
    const s = setup({ restartIceFails: true });
    await live(s);
    s.failRejoins(6);
    s.r.mediaState('failed');
    await s.clock.advance(60000);
    const times = s.calls.filter((c) => c.startsWith('rejoin')).map((c) => Number(c.split('@')[1]));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    // The 7th rejoin went through but the media never connected: 6 s to notice, then the next try.
    expect(gaps[6]).toBe(6000 + 8000);
    s.r.mediaState('connected');
    expect(s.r.phase).toBe('steady');
    expect(s.r.attempt).toBe(0); // the next outage starts with quick attempts again
  });

  it('waits for the studio while signalling is down, then recovers the moment it is back', async () => {
    const s = setup();
    await live(s);
    s.r.signalling(false);
    s.r.mediaState('disconnected');
    await s.clock.advance(10000);
    expect(s.calls).toEqual([]);
    expect(s.r.phase).toBe('waiting');
    s.r.signalling(true, true);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@10000']);
  });

  it('rejoins straight away when the studio says it dropped the session meanwhile', async () => {
    const s = setup();
    await live(s);
    s.r.signalling(false);
    s.r.mediaState('disconnected');
    await s.clock.advance(40000);
    s.r.signalling(true, false);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['rejoin@40000']);
  });

  it('says at once that the studio cannot be reached, and touches nothing while the media keeps flowing', async () => {
    const s = setup();
    await live(s);
    s.r.signalling(false);
    expect(s.r.phase).toBe('waiting'); // the page says "reconnecting": no tally, no talkback meanwhile
    await s.clock.advance(10000);
    s.r.signalling(true, true);
    await s.clock.advance(10000);
    expect(s.calls).toEqual([]);
    expect(s.r.phase).toBe('steady');
  });

  it('is live only once the join went through, not as soon as the transport connects', async () => {
    const s = setup({ hold: true });
    s.r.signalling(true);
    s.r.start();
    await s.clock.advance(0);
    expect(s.calls).toEqual(['rejoin@0']);
    s.r.mediaState('connected'); // DTLS is up while the audio producer is still being made
    expect(s.r.phase).toBe('joining');
    s.pending.shift()!.resolve();
    await s.clock.advance(0);
    expect(s.r.phase).toBe('steady');
  });

  it('a join cut off half-way is made again, even though its transport had connected', async () => {
    const s = setup({ hold: true });
    s.r.signalling(true);
    s.r.start();
    await s.clock.advance(0);
    s.r.mediaState('connected');
    s.r.signalling(false);
    s.pending.shift()!.reject(new Error('socket has been disconnected')); // its last request was lost
    await s.clock.advance(0);
    expect(s.r.phase).toBe('waiting');
    await s.clock.advance(5000);
    expect(s.calls).toEqual(['rejoin@0']); // nothing is tried while the studio cannot be reached
    s.r.signalling(true, true); // the studio kept the transport, but it has no audio producer
    await s.clock.advance(1000);
    expect(s.calls).toEqual(['rejoin@0', 'rejoin@5500']); // the second attempt, after its backoff
  });

  it('lets a join finish whose requests were held while the studio was unreachable', async () => {
    const s = setup({ hold: true });
    s.r.signalling(true);
    s.r.start();
    await s.clock.advance(0);
    s.r.mediaState('connected');
    s.r.signalling(false);
    await s.clock.advance(4000);
    s.r.signalling(true, true); // its last request goes out now
    await s.clock.advance(0);
    s.pending.shift()!.resolve();
    await s.clock.advance(0);
    expect(s.calls).toEqual(['rejoin@0']);
    expect(s.r.phase).toBe('steady');
  });

  it('an ICE restart that could not reach the studio is not counted: back with the transport kept, ICE is restarted, no rejoin', async () => {
    const s = setup({ hold: true });
    await live(s);
    s.r.mediaState('disconnected'); // the phone's network went silent; socket.io has not noticed yet
    await s.clock.advance(1500);
    expect(s.calls).toEqual(['restartIce@1500']); // sent into a connection that is already dead
    await s.clock.advance(2000);
    s.r.signalling(false); // socket.io's ping timeout
    s.pending.shift()!.reject(new Error('socket has been disconnected'));
    await s.clock.advance(5000);
    expect(s.r.phase).toBe('waiting');
    expect(s.calls).toEqual(['restartIce@1500']);
    s.r.signalling(true, true);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@1500', 'restartIce@8500']);
    s.pending.shift()!.resolve();
    await s.clock.advance(500);
    s.r.mediaState('connected');
    await s.clock.advance(30000);
    expect(s.r.phase).toBe('steady');
    expect(s.calls.filter((c) => c.startsWith('rejoin'))).toEqual([]);
  });

  it('the studio coming back while an ICE restart is answered does not turn it into a rejoin', async () => {
    const s = setup({ hold: true });
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0']);
    s.r.signalling(false);
    s.r.signalling(true, true); // the request, held meanwhile, goes out on the new connection
    await s.clock.advance(0);
    s.pending.shift()!.resolve();
    await s.clock.advance(300);
    s.r.mediaState('connected');
    await s.clock.advance(30000);
    expect(s.calls).toEqual(['restartIce@0']);
    expect(s.r.phase).toBe('steady');
  });

  it('does not tear down its transport when the studio is out of reach: an ICE restart that timed out waits for it', async () => {
    const s = setup();
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(1000);
    expect(s.calls).toEqual(['restartIce@0']);
    s.r.signalling(false);
    await s.clock.advance(20000); // the restart's 6 s are long over: still no rejoin
    expect(s.calls).toEqual(['restartIce@0']);
    expect(s.r.phase).toBe('waiting');
    s.r.signalling(true, true);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0', 'restartIce@21000']);
  });

  it('rejoins after the step in flight when the studio says meanwhile that it lost the session', async () => {
    const s = setup({ hold: true });
    await live(s);
    s.r.mediaState('failed');
    await s.clock.advance(0);
    s.r.signalling(false);
    s.r.signalling(true, false);
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0']);
    s.pending.shift()!.resolve();
    await s.clock.advance(0);
    expect(s.calls).toEqual(['restartIce@0', 'rejoin@0']);
    s.r.mediaState('connected'); // the old transport is still connected: not the point
    expect(s.r.phase).toBe('rejoining');
  });

  it('does nothing after the operator stopped', async () => {
    const s = setup();
    await live(s);
    s.r.stop();
    s.r.mediaState('failed');
    s.r.signalling(true, false);
    await s.clock.advance(60000);
    expect(s.calls).toEqual([]);
    expect(s.r.phase).toBe('idle');
  });
});

describe('rejoinDelayMs', () => {
  it('is immediate first, then doubles to a cap, with ±25 % jitter', () => {
    expect(rejoinDelayMs(0, () => 0.9)).toBe(0);
    expect(rejoinDelayMs(1, () => 0.5)).toBe(500);
    expect(rejoinDelayMs(4, () => 0.5)).toBe(4000);
    expect(rejoinDelayMs(10, () => 0.5)).toBe(8000);
    expect(rejoinDelayMs(3, () => 0)).toBe(1500);
    expect(rejoinDelayMs(3, () => 1)).toBe(2500);
  });
});
