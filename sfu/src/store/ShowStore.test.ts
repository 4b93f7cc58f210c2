import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { INVITE_TOKEN_PATTERN, ShowStore, type StoredSlot } from './ShowStore.js';

/** The store as the server opens it at start: the database first, then the slots in it. */
const storeIn = (dir: string) => new ShowStore(openTestDatabase(dir), dir);

describe('ShowStore', () => {
  it('keeps slots, in the order they were made, across a restart', () => {
    const d = tempDataDir();
    const a = storeIn(d);
    const north = a.createSlot('Tower — north');
    const troca = a.createSlot('Trocadéro');
    a.createSlot('Champ de Mars');
    a.updateSlot(troca.id, { name: 'Trocadéro (esplanade)' });
    const b = storeIn(d);
    expect(b.slots.map((s) => s.name)).toEqual(['Tower — north', 'Trocadéro (esplanade)', 'Champ de Mars']);
    expect(b.slotByToken(north.inviteToken)).toEqual(north);
    expect(b.slot(troca.id)).toEqual({ ...troca, name: 'Trocadéro (esplanade)' });
  });

  it('gives every slot its own unguessable invite token, and a renewed token replaces the old, after a restart too', () => {
    const d = tempDataDir();
    const s = storeIn(d);
    const slots = Array.from({ length: 50 }, (_, i) => s.createSlot(`cam ${i}`));
    const tokens = new Set(slots.map((x) => x.inviteToken));
    expect(tokens.size).toBe(50);
    for (const t of tokens) expect(t).toMatch(INVITE_TOKEN_PATTERN);
    const old = slots[0]!.inviteToken;
    expect(s.updateSlot(slots[0]!.id, { inviteToken: 'B'.repeat(22) })?.inviteToken).toBe('B'.repeat(22));
    expect(s.slotByToken(old)).toBeUndefined();
    expect(storeIn(d).slotByToken(old)).toBeUndefined();
    expect(storeIn(d).slotByToken('B'.repeat(22))?.id).toBe(slots[0]!.id);
  });

  it('changes nothing, in memory or on disk, when a write is refused', () => {
    const d = tempDataDir();
    const s = storeIn(d);
    const a = s.createSlot('a');
    const b = s.createSlot('b');
    expect(() => s.updateSlot(b.id, { name: 'b2', inviteToken: a.inviteToken })).toThrow(/UNIQUE/);
    expect(s.slot(b.id)).toEqual(b);
    expect(storeIn(d).slot(b.id)).toEqual(b);
  });

  it('deletes a slot for good and says when there was nothing to delete', () => {
    const d = tempDataDir();
    const s = storeIn(d);
    const x = s.createSlot('x');
    expect(s.updateSlot('nope', { name: 'y' })).toBeUndefined();
    expect(s.deleteSlot(x.id)).toBe(true);
    expect(s.deleteSlot(x.id)).toBe(false);
    expect(storeIn(d).slots).toEqual([]);
  });
});

// Two slots as the last version that kept them in show.json wrote them.
const north: StoredSlot = { id: 'a1b2c3d4e5f6', name: 'Tower — north', inviteToken: 'N'.repeat(21) + '1', createdAt: '2026-11-01T18:00:00.000Z' };
const troca: StoredSlot = { id: '0123456789ab', name: 'Trocadéro', inviteToken: 'T'.repeat(21) + '2', createdAt: '2026-11-01T18:05:00.000Z' };
const writeShowFile = (dir: string, slots: StoredSlot[]) =>
  writeFileSync(join(dir, 'show.json'), JSON.stringify({ version: 1, slots }, null, 2), { mode: 0o600 });

describe('a show.json from an older version', () => {
  it('is imported once, ids, names, tokens and order kept, then renamed show.json.migrated (owner-only)', () => {
    const d = tempDataDir();
    writeShowFile(d, [north, troca]);
    const before = readFileSync(join(d, 'show.json'), 'utf8');
    const s = storeIn(d);
    expect(s.slots).toEqual([north, troca]);
    expect(s.slotByToken(troca.inviteToken)?.id).toBe(troca.id);
    expect(s.showFileImport).toEqual({ from: join(d, 'show.json'), keptAs: join(d, 'show.json.migrated'), imported: 2 });
    expect(existsSync(join(d, 'show.json'))).toBe(false);
    expect(readFileSync(join(d, 'show.json.migrated'), 'utf8')).toBe(before);
    expect(statSync(join(d, 'show.json.migrated')).mode & 0o077).toBe(0);
  });

  it('is never read again: a slot deleted after the import stays deleted, new ones come after', () => {
    const d = tempDataDir();
    writeShowFile(d, [north, troca]);
    const first = storeIn(d);
    first.deleteSlot(north.id);
    const cam3 = first.createSlot('Champ de Mars');
    const second = storeIn(d);
    expect(second.showFileImport).toBeUndefined();
    expect(second.slots).toEqual([troca, cam3]);
  });

  it('is not imported twice when the server stopped between the import and the rename', () => {
    const d = tempDataDir();
    writeShowFile(d, [north, troca]);
    storeIn(d).deleteSlot(north.id);
    writeShowFile(d, [north, troca]); // as if the rename had not happened
    const s = storeIn(d);
    expect(s.showFileImport?.imported).toBe(0);
    expect(s.slots).toEqual([troca]);
    expect(existsSync(join(d, 'show.json'))).toBe(false);
  });

  it('comes after slots the database already has', () => {
    const d = tempDataDir();
    const made = storeIn(d).createSlot('made here');
    writeShowFile(d, [north, troca]);
    expect(storeIn(d).slots).toEqual([made, north, troca]);
  });

  it('stops the server when torn or not a show, naming the file and the fix, and is left where it was', () => {
    const d = tempDataDir();
    const db = openTestDatabase(d);
    writeFileSync(join(d, 'show.json'), `{"version":1,"slots":[{"id":"x","inviteToken":"${north.inviteToken}"`);
    expect(() => new ShowStore(db, d)).toThrow(StoreError);
    expect(() => new ShowStore(db, d)).toThrow(/show\.json is not valid JSON .*; fix or remove it/);
    writeFileSync(join(d, 'show.json'), '{"version":7}');
    expect(() => new ShowStore(db, d)).toThrow(/show\.json does not hold a Régie show: .*; fix or remove it/);
    expect(existsSync(join(d, 'show.json'))).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM slots').pluck().get()).toBe(0);
  });

  it('never repeats an invite token in the message that stops the server', () => {
    const d = tempDataDir();
    const messageFor = (text: string) => {
      writeFileSync(join(d, 'show.json'), text);
      try {
        storeIn(d);
      } catch (err) {
        expect(err).toBeInstanceOf(StoreError);
        return (err as Error).message;
      }
      throw new Error('the store opened');
    };
    for (const torn of [`{"version":1,"slots":[{"inviteToken":"${north.inviteToken}" }x]}`, north.inviteToken, `{"version":1,"slots":[{"inviteToken":${north.inviteToken}}]}`]) {
      expect(messageFor(torn)).not.toContain(north.inviteToken.slice(0, 4));
    }
  });

  it('imports nothing when two of its slots share an invite token (edited by hand), and says what to fix', () => {
    const d = tempDataDir();
    writeShowFile(d, [north, { ...troca, inviteToken: north.inviteToken }]);
    expect(() => storeIn(d)).toThrow(/cannot be imported .*give each slot its own id and invite token, or remove the file/);
    expect(existsSync(join(d, 'show.json'))).toBe(true);
    expect(storeIn(tempDataDir()).slots).toEqual([]);
  });
});
