import { describe, expect, it } from 'vitest';
import { countdownText, hms } from './time';

describe('broadcast clock', () => {
  it('reads durations as H:MM:SS', () => {
    expect(hms(0)).toBe('0:00:00');
    expect(hms(59_999)).toBe('0:00:59');
    expect(hms(3_723_000)).toBe('1:02:03');
    expect(hms(-5000)).toBe('0:00:00');
  });
  it('counts down to the second, then counts up from it', () => {
    const midnight = Date.UTC(2027, 0, 1);
    expect(countdownText(midnight, 'Midnight', midnight - 10_000)).toEqual({ text: 'Midnight in 0:00:10', passed: false });
    expect(countdownText(midnight, 'Midnight', midnight - 200)).toEqual({ text: 'Midnight in 0:00:01', passed: false });
    expect(countdownText(midnight, 'Midnight', midnight)).toEqual({ text: 'Midnight +0:00:00', passed: true });
    expect(countdownText(midnight, 'Midnight', midnight + 61_000)).toEqual({ text: 'Midnight +0:01:01', passed: true });
  });
});
