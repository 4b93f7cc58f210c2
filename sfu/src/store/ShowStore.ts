// The show's configuration on disk: camera slots and their invite tokens. Written
// atomically (temp file + rename) so a crash mid-write never leaves a torn file,
// and readable by the owner only since it holds invite tokens.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StoreError } from '../errors.js';

const StoredSlot = z.object({
  id: z.string(),
  name: z.string(),
  inviteToken: z.string(),
  createdAt: z.string(),
});
const StoredShow = z.object({ version: z.literal(1), slots: z.array(StoredSlot) });

export type StoredSlot = z.infer<typeof StoredSlot>;

/** 128 random bits, URL-safe: unguessable, and short enough for a QR code. */
export const newInviteToken = (): string => randomBytes(16).toString('base64url');
export const newSlotId = (): string => randomBytes(6).toString('hex');
export const INVITE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export class ShowStore {
  readonly #file: string;
  #slots: StoredSlot[];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#file = join(dataDir, 'show.json');
    this.#slots = existsSync(this.#file) ? ShowStore.#read(this.#file) : [];
  }

  static #read(file: string): StoredSlot[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new StoreError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    const parsed = StoredShow.safeParse(raw);
    if (!parsed.success) throw new StoreError(`${file} does not hold a Régie show: ${parsed.error.issues[0]?.message}`);
    return parsed.data.slots;
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
    this.#commit([...this.#slots, slot]);
    return slot;
  }

  updateSlot(id: string, change: Partial<Pick<StoredSlot, 'name' | 'inviteToken'>>): StoredSlot | undefined {
    const current = this.slot(id);
    if (!current) return undefined;
    const updated = { ...current, ...change };
    this.#commit(this.#slots.map((s) => (s.id === id ? updated : s)));
    return updated;
  }

  deleteSlot(id: string): boolean {
    if (!this.slot(id)) return false;
    this.#commit(this.#slots.filter((s) => s.id !== id));
    return true;
  }

  #commit(slots: StoredSlot[]): void {
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, slots }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.#file);
    this.#slots = slots; // only once it is on disk
  }
}
