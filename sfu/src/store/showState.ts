// The show's small settings and states (on air, countdown, watch page access), each a
// JSON value under its own key in one table. A value that is torn or of an older shape
// reads as absent: the show starts from its default, never from garbage.
import type { z } from 'zod';
import type { ShowDatabase } from './database.js';

export function readState<T extends z.ZodType>(db: ShowDatabase, key: string, schema: T): z.infer<T> | undefined {
  const row = db.prepare('SELECT value FROM show_state WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(row.value);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

export function writeState(db: ShowDatabase, key: string, value: unknown): void {
  db.prepare('INSERT INTO show_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
}

export function deleteState(db: ShowDatabase, key: string): void {
  db.prepare('DELETE FROM show_state WHERE key = ?').run(key);
}
