// The show's camera slots and their invite tokens, in the show's database (the slots
// table). A show.json left by an older version is imported once, at start.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { ShowDatabase } from './database.js';
import { MIGRATED_SHOW_FILE, readShowFile, SHOW_FILE } from './showFile.js';

export type StoredSlot = { id: string; name: string; inviteToken: string; createdAt: string };

/** 128 random bits, URL-safe: unguessable, and short enough for a QR code. */
export const newInviteToken = (): string => randomBytes(16).toString('base64url');
export const newSlotId = (): string => randomBytes(6).toString('hex');
export const INVITE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

type Row = { id: string; name: string; invite_token: string; created_at: string };

const fromRow = (r: Row): StoredSlot => ({ id: r.id, name: r.name, inviteToken: r.invite_token, createdAt: r.created_at });

/** What opening the store did with a show.json it found (a count only: the file holds secrets). */
export type ShowFileImport = { from: string; keptAs: string; imported: number };

export class ShowStore {
  readonly #db: ShowDatabase;
  /** The slots as in the database, reloaded after every write that succeeded (never ahead of it). */
  #slots: StoredSlot[];
  /** Set when this start found a show.json (and renamed it). */
  readonly showFileImport?: ShowFileImport;

  /** `dataDir`: where a show.json from an older version may wait to be imported. */
  constructor(db: ShowDatabase, dataDir: string) {
    this.#db = db;
    this.showFileImport = this.#importShowFile(dataDir);
    this.#slots = this.#load();
  }

  #load(): StoredSlot[] {
    return (this.#db.prepare('SELECT id, name, invite_token, created_at FROM slots ORDER BY position').all() as Row[]).map(fromRow);
  }

  /**
   * Imports show.json's slots in one transaction, then renames the file so it is never
   * read again. A file with any of its slots already in the table was imported before
   * (a crash between the commit and the rename leaves the file): nothing is imported
   * again, so a slot deleted since stays deleted.
   */
  #importShowFile(dataDir: string): ShowFileImport | undefined {
    const file = join(dataDir, SHOW_FILE);
    if (!existsSync(file)) return undefined;
    const slots = readShowFile(file);
    const there = this.#db.prepare('SELECT 1 FROM slots WHERE id = ? OR invite_token = ?').pluck();
    const importAll = this.#db.transaction((): number => {
      if (slots.some((s) => there.get(s.id, s.inviteToken))) return 0;
      for (const s of slots) this.#insert(s);
      return slots.length;
    });
    let imported: number;
    try {
      imported = importAll.immediate();
    } catch (err) {
      // Only a file edited by hand gets here: two slots with the same id or invite token.
      if (!(err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw err;
      throw new StoreError(`${file} cannot be imported into the database (${(err as Error).message}); ` +
        'give each slot its own id and invite token, or remove the file');
    }
    const keptAs = join(dataDir, MIGRATED_SHOW_FILE);
    renameSync(file, keptAs);
    chmodSync(keptAs, 0o600); // it still holds the invite tokens
    return { from: file, keptAs, imported };
  }

  /** Appends a slot after the others. */
  #insert(s: StoredSlot): void {
    this.#db.prepare(`INSERT INTO slots (id, position, name, invite_token, created_at)
      VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM slots), ?, ?, ?)`)
      .run(s.id, s.name, s.inviteToken, s.createdAt);
  }

  get slots(): readonly StoredSlot[] {
    return this.#slots;
  }

  slot(id: string): StoredSlot | undefined {
    return this.#slots.find((s) => s.id === id);
  }

  slotByToken(token: string): StoredSlot | undefined {
    return this.#slots.find((s) => s.inviteToken === token);
  }

  createSlot(name: string): StoredSlot {
    const slot = { id: newSlotId(), name, inviteToken: newInviteToken(), createdAt: new Date().toISOString() };
    this.#insert(slot);
    this.#slots = this.#load();
    return this.slot(slot.id)!;
  }

  updateSlot(id: string, change: Partial<Pick<StoredSlot, 'name' | 'inviteToken'>>): StoredSlot | undefined {
    const current = this.slot(id);
    if (!current) return undefined;
    this.#db.prepare('UPDATE slots SET name = ?, invite_token = ? WHERE id = ?')
      .run(change.name ?? current.name, change.inviteToken ?? current.inviteToken, id);
    this.#slots = this.#load();
    return this.slot(id);
  }

  deleteSlot(id: string): boolean {
    const deleted = this.#db.prepare('DELETE FROM slots WHERE id = ?').run(id).changes > 0;
    this.#slots = this.#load();
    return deleted;
  }
}
