import { describe, expect, it } from 'vitest';
import { procHidesOthers } from './procMount.js';

describe('procHidesOthers', () => {
  it('reads hidepid from the /proc mount line', () => {
    expect(procHidesOthers('proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n')).toBe(false);
    expect(procHidesOthers('proc /proc proc rw,nosuid,nodev,noexec,relatime,hidepid=invisible 0 0\n')).toBe(true);
    expect(procHidesOthers('proc /proc proc rw,hidepid=2 0 0\n')).toBe(true);
    expect(procHidesOthers('')).toBe(false);
  });
});
