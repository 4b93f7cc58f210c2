import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { SlateTransitionStore } from './SlateTransitionStore.js';

describe('SlateTransitionStore', () => {
  it('keeps the director\'s choice across a restart; a torn value is the default', () => {
    const dir = tempDataDir();
    const first = new SlateTransitionStore(openTestDatabase(dir));
    expect(first.current).toBeUndefined();
    first.keep({ kind: 'mix', ms: 1000 });
    const db = openTestDatabase(dir); // as a restarted server opens it
    expect(new SlateTransitionStore(db).current).toEqual({ kind: 'mix', ms: 1000 });
    db.prepare("UPDATE show_state SET value = '{\"kind\":\"wipe\"}' WHERE key = 'slate-transition'").run();
    expect(new SlateTransitionStore(db).current).toBeUndefined();
  });
});
