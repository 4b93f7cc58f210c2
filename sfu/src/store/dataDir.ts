// The data dir holds the director secret, invite tokens, stream keys (SQLite and its
// -wal/-shm files), the TLS key and the recordings: owner-only, every file in it.
// The process runs with umask 077 so what it creates is; a dir left wider by an older
// version or by hand is tightened at start, and one owned by another user refused.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';

/** Owner-only modes for what Régie writes. */
export const OWNER_ONLY = { dir: 0o700, file: 0o600 } as const;

/** Makes the data dir owner-only (itself and all it holds); returns the paths it tightened. */
export function secureDataDir(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: OWNER_ONLY.dir });
  const uid = process.getuid?.();
  const tightened: string[] = [];
  const visit = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return; // never follow a link out of the data dir
    if (uid !== undefined && st.uid !== uid) {
      throw new StoreError(`${path} belongs to another user (uid ${st.uid}); Régie keeps secrets there and must own it: ` +
        `run Régie as that user, or give it to this one (chown -R ${uid} ${dir})`);
    }
    const wanted = st.isDirectory() ? OWNER_ONLY.dir : OWNER_ONLY.file;
    if ((st.mode & 0o777 & ~wanted) !== 0) {
      chmodSync(path, (st.mode & 0o777) & wanted);
      tightened.push(path);
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return tightened;
}
