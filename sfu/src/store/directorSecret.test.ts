import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDirectorSecret, secretMatches } from './directorSecret.js';

describe('director secret', () => {
  it('is generated once, kept private, and the same on the next start', () => {
    const d = mkdtempSync(join(tmpdir(), 'regie-secret-'));
    const first = loadDirectorSecret(d);
    expect(first.generated).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(24);
    expect(statSync(first.file!).mode & 0o077).toBe(0);
    const second = loadDirectorSecret(d);
    expect(second).toMatchObject({ secret: first.secret, generated: false });
  });

  it('uses the configured one when given', () => {
    const d = mkdtempSync(join(tmpdir(), 'regie-secret-'));
    expect(loadDirectorSecret(d, 'configured-secret')).toEqual({ secret: 'configured-secret', generated: false });
  });

  it('matches only the exact secret', () => {
    expect(secretMatches('abcdef', 'abcdef')).toBe(true);
    expect(secretMatches('abcdeF', 'abcdef')).toBe(false);
    expect(secretMatches('abc', 'abcdef')).toBe(false);
    expect(secretMatches('', 'abcdef')).toBe(false);
  });
});
