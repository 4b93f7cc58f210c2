// Test fixture: a fresh data dir per test (mkdtemp), removed when the test ends with
// every database opened in it closed first, so store tests leave nothing behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { openDatabase, type ShowDatabase } from './database.js';

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'regie-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The show's database in `dir`, as the server opens it; closed when the test ends. */
export function openTestDatabase(dir: string): ShowDatabase {
  const db = openDatabase(dir);
  onTestFinished(() => {
    if (db.open) db.close();
  });
  return db;
}
