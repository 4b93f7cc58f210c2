// Reading a source tree's import statements, for the tests that keep its layers:
// which module names which, relative paths resolved. A regex, not a parser: a comment
// holding `from '…'` would count, which errs on the side of a false alarm.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Module specifiers in a source: `… from '…'` (imports and re-exports), `import '…'`, `import('…')`. */
export function specifiers(source: string): string[] {
  const pattern = /\bfrom\s*['"]([^'"\n]+)['"]|\bimport\s*['"]([^'"\n]+)['"]|\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;
  return [...source.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

