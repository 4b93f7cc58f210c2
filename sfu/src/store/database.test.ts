import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { DATABASE_FILE, MIGRATIONS, openDatabase, SCHEMA_VERSION } from './database.js';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();

/** A database as Régie left it before migrations were numbered: user_version 0, today's tables, a destination. */
function databaseBeforeMigrations(dir: string): void {
  const db = new Database(join(dir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  // as openDatabase ran it before migrations were numbered
  db.exec(`CREATE TABLE IF NOT EXISTS destinations (
        id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL,
        protocol TEXT NOT NULL CHECK (protocol IN ('rtmp', 'rtmps', 'srt')),
        url TEXT NOT NULL, stream_key TEXT, enabled INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS show_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  db.prepare("INSERT INTO destinations VALUES ('d1', 1, 'YouTube', 'rtmp', 'rtmp://a.rtmp.youtube.com/live2', 'secret-key-1', 1)").run();
  db.prepare("INSERT INTO show_state VALUES ('on-air', '{\"live\":true,\"started\":[\"d1\"]}')").run();
  db.close();
}

describe('the database', () => {
  it('is made with every migration on a first start', () => {
    const db = openTestDatabase(tempDataDir());
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(['destinations', 'show_state', 'slots']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('upgrades one made before migrations were numbered, keeping its destinations and on-air state', () => {
    const dir = tempDataDir();
    databaseBeforeMigrations(dir);
    const db = openTestDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(['destinations', 'show_state', 'slots']);
    expect(db.prepare('SELECT * FROM destinations').all()).toEqual([
      { id: 'd1', position: 1, name: 'YouTube', protocol: 'rtmp', url: 'rtmp://a.rtmp.youtube.com/live2', stream_key: 'secret-key-1', enabled: 1 },
    ]);
    expect(db.prepare("SELECT value FROM show_state WHERE key = 'on-air'").pluck().get()).toBe('{"live":true,"started":["d1"]}');
  });

  it('ends with the same schema whether made fresh or upgraded', () => {
    const schema = (db: Database.Database) => db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const upgraded = tempDataDir();
    databaseBeforeMigrations(upgraded);
    expect(schema(openTestDatabase(upgraded))).toEqual(schema(openTestDatabase(tempDataDir())));
  });

  it('runs each step once: opening it again changes nothing', () => {
    const dir = tempDataDir();
    openTestDatabase(dir).prepare('INSERT INTO slots VALUES (?, 1, ?, ?, ?)').run('s1', 'north', 'A'.repeat(22), '2026-01-01T00:00:00.000Z');
    const again = openTestDatabase(dir);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(again.prepare('SELECT id FROM slots').pluck().all()).toEqual(['s1']);
  });

  it('refuses to start on one written by a newer Régie, saying so, and leaves it as it was', () => {
    const dir = tempDataDir();
    const newer = openTestDatabase(dir);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => openDatabase(dir)).toThrow(StoreError);
    expect(() => openDatabase(dir)).toThrow(new RegExp(`written by a newer Régie \\(schema version ${SCHEMA_VERSION + 1}; this one knows up to ${SCHEMA_VERSION}\\)`));
    const after = new Database(join(dir, DATABASE_FILE), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });

  it('names the file when it is not a database at all', () => {
    const dir = tempDataDir();
    writeFileSync(join(dir, DATABASE_FILE), 'not a database, only text long enough to fill a header', { mode: 0o600 });
    expect(() => openDatabase(dir)).toThrow(/cannot open the database .*regie\.sqlite/);
  });

  it('keeps its files owner-only, the -wal and -shm that hold every key and token included', () => {
    const dir = tempDataDir();
    const db = openTestDatabase(dir);
    db.prepare("INSERT INTO show_state VALUES ('x', 'y')").run();
    for (const f of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) expect(statSync(join(dir, f)).mode & 0o077, f).toBe(0);
  });
});
