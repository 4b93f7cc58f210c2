import { describe, expect, it } from 'vitest';
import { AuthThrottle } from './AuthThrottle.js';

function throttle() {
  let t = 0;
  const clock = { advance: (ms: number) => { t += ms; } };
  return { clock, throttle: new AuthThrottle({ free: 3, baseMs: 1000, maxMs: 60_000, forgetMs: 600_000, now: () => t }) };
}

describe('AuthThrottle', () => {
  it('lets a few typos through, then makes each try wait longer, up to a minute', () => {
    const { throttle: th } = throttle();
    for (let i = 0; i < 3; i++) th.failed('a');
    expect(th.waitMs('a')).toBe(0);
    th.failed('a');
    expect(th.waitMs('a')).toBe(1000);
    th.failed('a');
    expect(th.waitMs('a')).toBe(2000);
    for (let i = 0; i < 20; i++) th.failed('a');
    expect(th.waitMs('a')).toBe(60_000);
  });

  it('counts per address, and forgets an address after success or a long quiet', () => {
    const { throttle: th, clock } = throttle();
    for (let i = 0; i < 5; i++) th.failed('a');
    expect(th.waitMs('b')).toBe(0);
    th.succeeded('a');
    expect(th.waitMs('a')).toBe(0);
    for (let i = 0; i < 5; i++) th.failed('a');
    clock.advance(700_000);
    expect(th.waitMs('a')).toBe(0);
    expect(th.failed('a').failures).toBe(1);
  });

  it('marks the first failure of a burst, so a burst is logged once', () => {
    const { throttle: th } = throttle();
    expect(th.failed('a').burstStart).toBe(true);
    expect(th.failed('a').burstStart).toBe(false);
  });

  it('a patient attacker gets few guesses: at most ~14 in ten minutes after the free ones', () => {
    const { throttle: th, clock } = throttle();
    let guesses = 0;
    for (let elapsed = 0; elapsed < 600_000;) {
      const wait = th.waitMs('x');
      clock.advance(wait || 1);
      elapsed += wait || 1;
      th.failed('x');
      guesses++;
    }
    expect(guesses).toBeLessThan(20);
  });
});
