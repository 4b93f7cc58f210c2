// The show's database: one embedded SQLite file in the data dir (owner-only, like
// everything there). Camera slots (invite tokens included), destinations (stream keys
// included) and what the show was doing when it last ran (so a restarted server
// resumes it) live in it. WAL: a crash mid-write never corrupts it.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

export type ShowDatabase = Database.Database;

export const DATABASE_FILE = 'regie.sqlite';

/**
 * The schema's history: step N brings a database from `user_version` N-1 to N. Steps
 * are only ever appended; one that shipped is never edited, since databases out there
 * already ran it.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: destinations and the on-air state. The schema from before steps were numbered,
  // byte for byte (IF NOT EXISTS: such a database is at version 0 with these tables).
  `CREATE TABLE IF NOT EXISTS destinations (
        id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL,
        protocol TEXT NOT NULL CHECK (protocol IN ('rtmp', 'rtmps', 'srt')),
        url TEXT NOT NULL, stream_key TEXT, enabled INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS show_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: camera slots, which were kept in show.json (ShowStore imports that file once).
  `CREATE TABLE slots (
      id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL,
      invite_token TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDatabase(dataDir: string): ShowDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, DATABASE_FILE);
  let db: ShowDatabase | undefined;
  try {
    db = new Database(file);
    // Owner-only before the first write: SQLite gives its -wal and -shm files the
    // database file's mode (umask 077 already says so in the server; this also holds
    // for whoever else opens it).
    chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    migrate(db, file);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open the database ${file}: ${(err as Error).message}`);
  }
}

function migrate(db: ShowDatabase, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() > SCHEMA_VERSION) {
    // An older Régie on a newer one's data: it would not know what the new schema means.
    throw new StoreError(`${file} was written by a newer Régie (schema version ${version()}; this one knows up to ${SCHEMA_VERSION}): ` +
      'run that newer Régie again, or point REGIE_DATA_DIR at a data dir made by this version');
  }
  // One transaction a step, the version checked again inside it (IMMEDIATE: the write
  // lock is taken first), so another process opening the same file never runs a step twice.
  const step = db.transaction(() => {
    const at = version();
    if (at >= SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[at]!);
    db.pragma(`user_version = ${at + 1}`);
    return true;
  });
  while (step.immediate());
}
