import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { WatchStore } from './WatchStore.js';

describe('WatchStore', () => {
  it('starts public: the public key opens the watch page, and no key is needed', () => {
    const w = new WatchStore(openTestDatabase(tempDataDir()));
    expect(w.access).toBe('public');
    expect(w.key).toBe('public');
    expect(w.opens(undefined)).toBe(true);
    expect(w.opens('public')).toBe(true);
  });

  it('public again: a viewer link given out earlier still opens it', () => {
    const w = new WatchStore(openTestDatabase(tempDataDir()));
    w.setAccess('link');
    const token = w.key;
    w.setAccess('public');
    expect(w.opens(token)).toBe(true);
  });

  it('by link: only the viewer link\'s token opens it, kept across a restart; a new link shuts the old one out', () => {
    const dir = tempDataDir();
    const w = new WatchStore(openTestDatabase(dir));
    w.setAccess('link');
    const token = w.key;
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(w.opens(undefined)).toBe(false);
    expect(w.opens('public')).toBe(false);
    expect(w.opens(token)).toBe(true);
    const again = new WatchStore(openTestDatabase(dir));
    expect(again.access).toBe('link');
    expect(again.opens(token)).toBe(true);
    again.newLink();
    expect(again.opens(token)).toBe(false);
    expect(again.opens(again.key)).toBe(true);
  });

  it('a torn stored value starts public again, with a fresh token', () => {
    const dir = tempDataDir();
    openTestDatabase(dir).prepare("INSERT INTO show_state (key, value) VALUES ('watch', '{\"access\":\"link\"')").run();
    expect(new WatchStore(openTestDatabase(dir)).access).toBe('public');
  });
});
