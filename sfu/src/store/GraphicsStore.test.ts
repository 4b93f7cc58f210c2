import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { GraphicsStore } from './GraphicsStore.js';

describe('GraphicsStore', () => {
  it('keeps which graphics are on and what they say across a restart', () => {
    const dir = tempDataDir();
    const first = new GraphicsStore(openTestDatabase(dir));
    expect(first.current).toBeUndefined();
    first.keep({ onAir: ['lower-third', 'live'], text: { title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' } });
    const again = new GraphicsStore(openTestDatabase(dir)); // as a restarted server opens it
    expect(again.current).toEqual({ onAir: ['lower-third', 'live'], text: { title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' } });
  });

  it('a torn or foreign value is no graphics, not a crash', () => {
    const dir = tempDataDir();
    const db = openTestDatabase(dir);
    db.prepare("INSERT INTO show_state (key, value) VALUES ('graphics', '{\"onAir\":[\"fireworks\"],\"text\":{}}')").run();
    expect(new GraphicsStore(db).current).toBeUndefined();
    db.prepare("UPDATE show_state SET value = '{\"onAir\":' WHERE key = 'graphics'").run();
    expect(new GraphicsStore(db).current).toBeUndefined();
  });
});
