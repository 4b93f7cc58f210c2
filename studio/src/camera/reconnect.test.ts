import { describe, expect, it } from 'vitest';
import { backoffMs, Reconnector, type Clock, type RecoveryPhase } from './reconnect';

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

function setup(opts: { restartIceFails?: boolean; rejoinFails?: number } = {}) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const phases: RecoveryPhase[] = [];
  let rejoinFailures = opts.rejoinFails ?? 0;
  const r = new Reconnector({
    restartIce: async () => {
      calls.push(`restartIce@${clock.now}`);
      if (opts.restartIceFails) throw new Error('unknown transport');
    },
    rejoin: async () => {
      calls.push(`rejoin@${clock.now}`);
      if (rejoinFailures-- > 0) throw new Error('no route to the studio');
    },
  }, (p) => { if (phases.at(-1) !== p) phases.push(p); }, { clock });
  return { r, clock, calls, phases };
}

/** Joined and live, with the studio reachable. */
async function live(s: ReturnType<typeof setup>) {
  s.r.signalling(true);
  s.r.start();
  await s.clock.advance(0);
  s.r.mediaState('connected');
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
    const s = setup({ restartIceFails: true, rejoinFails: 7 }); // the first is the join itself
    await live(s);
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

  it('ignores a signalling blip while the media keeps flowing', async () => {
    const s = setup();
    await live(s);
    s.r.signalling(false);
    s.r.signalling(true, true);
    await s.clock.advance(10000);
    expect(s.calls).toEqual([]);
    expect(s.r.phase).toBe('steady');
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

describe('backoffMs', () => {
  it('is immediate first, then doubles to a cap, with ±25 % jitter', () => {
    expect(backoffMs(0, () => 0.9)).toBe(0);
    expect(backoffMs(1, () => 0.5)).toBe(500);
    expect(backoffMs(4, () => 0.5)).toBe(4000);
    expect(backoffMs(10, () => 0.5)).toBe(8000);
    expect(backoffMs(3, () => 0)).toBe(1500);
    expect(backoffMs(3, () => 1)).toBe(2500);
  });
});
