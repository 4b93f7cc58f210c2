// The director secret: configured, or generated once and kept in the data dir so
// the same director link keeps working across restarts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadDirectorSecret(dataDir: string, configured?: string): { secret: string; generated: boolean; file?: string } {
  if (configured) return { secret: configured, generated: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'director-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false, file };
  const secret = randomBytes(18).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return { secret, generated: true, file };
}

/** Constant-time comparison, so the secret cannot be guessed byte by byte from timing. */
export function secretMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
