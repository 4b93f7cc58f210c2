import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { OnAirStore } from './OnAirStore.js';

describe('OnAirStore', () => {
  it('resumes nothing on a first start', () => {
    expect(new OnAirStore(openTestDatabase(tempDataDir())).current).toEqual({ live: false, started: [] });
  });

  it('keeps what the show was doing across a restart (a crash: nothing is written on the way down)', () => {
    const dir = tempDataDir();
    const a = new OnAirStore(openTestDatabase(dir));
    a.update({ live: true, started: ['d1', 'd2'] });
    a.update({ program: 'cam1', preview: 'slate' });
    expect(new OnAirStore(openTestDatabase(dir)).current).toEqual({ live: true, started: ['d1', 'd2'], program: 'cam1', preview: 'slate' });
  });

  it('ignores a stored value it cannot read', () => {
    const dir = tempDataDir();
    openTestDatabase(dir).prepare("INSERT INTO show_state (key, value) VALUES ('on-air', '{not json')").run();
    expect(new OnAirStore(openTestDatabase(dir)).current.live).toBe(false);
  });
});
