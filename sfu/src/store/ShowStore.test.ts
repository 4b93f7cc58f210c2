import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { INVITE_TOKEN_PATTERN, ShowStore } from './ShowStore.js';

const dir = () => mkdtempSync(join(tmpdir(), 'regie-store-'));

describe('ShowStore', () => {
  it('keeps slots across a restart', () => {
    const d = dir();
    const a = new ShowStore(d);
    const north = a.createSlot('Tower — north');
    const troca = a.createSlot('Trocadéro');
    a.updateSlot(troca.id, { name: 'Trocadéro (esplanade)' });
    const b = new ShowStore(d);
    expect(b.slots.map((s) => s.name)).toEqual(['Tower — north', 'Trocadéro (esplanade)']);
    expect(b.slotByToken(north.inviteToken)?.id).toBe(north.id);
  });

  it('gives every slot its own unguessable invite token, and a renewed token replaces the old', () => {
    const s = new ShowStore(dir());
    const slots = Array.from({ length: 50 }, (_, i) => s.createSlot(`cam ${i}`));
    const tokens = new Set(slots.map((x) => x.inviteToken));
    expect(tokens.size).toBe(50);
    for (const t of tokens) expect(t).toMatch(INVITE_TOKEN_PATTERN);
    const old = slots[0]!.inviteToken;
    s.updateSlot(slots[0]!.id, { inviteToken: 'B'.repeat(22) });
    expect(s.slotByToken(old)).toBeUndefined();
  });

  it('deletes a slot for good and says when there was nothing to delete', () => {
    const d = dir();
    const s = new ShowStore(d);
    const x = s.createSlot('x');
    expect(s.deleteSlot(x.id)).toBe(true);
    expect(s.deleteSlot(x.id)).toBe(false);
    expect(new ShowStore(d).slots).toEqual([]);
  });

  it('writes a file only its owner can read (it holds invite tokens)', () => {
    const d = dir();
    new ShowStore(d).createSlot('x');
    expect(statSync(join(d, 'show.json')).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'show.json'), 'utf8')).version).toBe(1);
  });

  it('refuses a damaged file with a message naming it, instead of starting empty', () => {
    const d = dir();
    writeFileSync(join(d, 'show.json'), '{"version":1,"slots":[{"id":1}');
    expect(() => new ShowStore(d)).toThrow(StoreError);
    writeFileSync(join(d, 'show.json'), '{"version":7}');
    expect(() => new ShowStore(d)).toThrow(/does not hold a Régie show/);
  });
});
