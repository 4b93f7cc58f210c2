import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { OnAirStore } from './OnAirStore.js';

describe('OnAirStore', () => {
  it('resumes nothing on a first start', () => {
    expect(new OnAirStore(openDatabase(mkdtempSync(join(tmpdir(), 'regie-onair-')))).current).toEqual({ live: false, started: [] });
  });

  it('keeps what the show was doing across a restart (a crash: nothing is written on the way down)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-onair-'));
    const a = new OnAirStore(openDatabase(dir));
    a.update({ live: true, started: ['d1', 'd2'] });
    a.update({ program: 'cam1', preview: 'slate' });
    expect(new OnAirStore(openDatabase(dir)).current).toEqual({ live: true, started: ['d1', 'd2'], program: 'cam1', preview: 'slate' });
  });

  it('ignores a stored value it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-onair-'));
    openDatabase(dir).prepare("INSERT INTO show_state (key, value) VALUES ('on-air', '{not json')").run();
    expect(new OnAirStore(openDatabase(dir)).current.live).toBe(false);
  });
});
