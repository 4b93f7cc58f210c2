import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secureDataDir } from './dataDir.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('the data dir', () => {
  it('is made owner-only, with every file in it, when an older run left it wider', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-data-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'regie.sqlite-wal'), 'keys', { mode: 0o644 });
    mkdirSync(join(dir, 'recordings'), { mode: 0o755 });
    writeFileSync(join(dir, 'recordings', 'program.ts'), 'x', { mode: 0o664 });
    const tightened = secureDataDir(dir);
    expect(tightened.length).toBe(4);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'regie.sqlite-wal'))).toBe(0o600);
    expect(mode(join(dir, 'recordings'))).toBe(0o700);
    expect(mode(join(dir, 'recordings', 'program.ts'))).toBe(0o600);
    expect(secureDataDir(dir)).toEqual([]); // nothing left to do
  });

  it('is created owner-only when missing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'regie-data-')), 'new');
    secureDataDir(dir);
    expect(mode(dir)).toBe(0o700);
  });
});
