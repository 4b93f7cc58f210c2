import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { CountdownStore } from './CountdownStore.js';

describe('CountdownStore', () => {
  it('keeps the countdown across a restart, and clearing it clears it for good', () => {
    const dir = tempDataDir();
    const first = new CountdownStore(openTestDatabase(dir));
    expect(first.current).toBeUndefined();
    first.set({ at: Date.UTC(2026, 11, 31, 23, 0, 0), label: 'Midnight' });
    const db = openTestDatabase(dir); // as a restarted server opens it
    expect(new CountdownStore(db).current).toEqual({ at: Date.UTC(2026, 11, 31, 23, 0, 0), label: 'Midnight' });
    new CountdownStore(db).set(undefined);
    expect(new CountdownStore(db).current).toBeUndefined();
  });

  it('a torn value is no countdown, not a crash', () => {
    const db = openTestDatabase(tempDataDir());
    db.prepare("INSERT INTO show_state (key, value) VALUES ('countdown', '{\"at\":')").run();
    expect(new CountdownStore(db).current).toBeUndefined();
  });
});
