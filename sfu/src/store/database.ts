// The show's database: one embedded SQLite file in the data dir (owner-only, like
// everything there). Destinations (stream keys included) and what the show was doing
// when it last ran (so a restarted server resumes it) live in it. WAL: a crash mid-write
// never corrupts it.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

export type ShowDatabase = Database.Database;

export function openDatabase(dataDir: string): ShowDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'regie.sqlite');
  try {
    const db = new Database(file);
    // Owner-only before the first write: SQLite gives its -wal and -shm files the
    // database file's mode (umask 077 already says so in the server; this also holds
    // for whoever else opens it).
    chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS destinations (
        id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL,
        protocol TEXT NOT NULL CHECK (protocol IN ('rtmp', 'rtmps', 'srt')),
        url TEXT NOT NULL, stream_key TEXT, enabled INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS show_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    return db;
  } catch (err) {
    throw new StoreError(`cannot open the database ${file}: ${(err as Error).message}`);
  }
}
