// e2e and the bench share testkit/ and never import each other; testkit imports neither
// (what both need lives here, so neither side drags the other's code along). Read from
// the import statements of every .ts file in the three folders, relative paths resolved.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specifiers, tsFiles } from './imports.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const LAYERS = ['e2e', 'bench', 'testkit'] as const;
type Layer = (typeof LAYERS)[number];
const FORBIDDEN: Record<Layer, Layer[]> = { e2e: ['bench'], bench: ['e2e'], testkit: ['e2e', 'bench'] };

/** Every relative import of the three folders: which file, what it names, the top folder that resolves to. */
function imports(): { file: string; layer: Layer; spec: string; target: string }[] {
  return LAYERS.flatMap((layer) => tsFiles(join(root, layer)).flatMap((path) =>
    specifiers(readFileSync(path, 'utf8')).filter((spec) => spec.startsWith('.')).map((spec) => ({
      file: relative(root, path),
      layer,
      spec,
      target: relative(root, resolve(dirname(path), spec)).split(sep)[0]!,
    }))));
}

describe('test layers', () => {
  it('reads every kind of import statement', () => {
    expect(specifiers([
      "import { a, type B } from './a.js';",
      'import type {\n  C,\n  D,\n} from "../c.js";',
      "export { e } from './e.js';",
      "import './side-effect.js';",
      "const f = await import('./f.js');",
      "import { g } from 'node:fs';",
    ].join('\n'))).toEqual(['./a.js', '../c.js', './e.js', './side-effect.js', './f.js', 'node:fs']);
  });

  it('e2e imports no bench code, the bench no e2e code, testkit neither', () => {
    const all = imports();
    // Not vacuous: each folder's files were read, and both sides do use the testkit.
    for (const layer of LAYERS) expect(all.some((i) => i.layer === layer), `no imports read in ${layer}/`).toBe(true);
    expect(all.some((i) => i.layer === 'e2e' && i.target === 'testkit')).toBe(true);
    expect(all.some((i) => i.layer === 'bench' && i.target === 'testkit')).toBe(true);

    const crossing = all.filter((i) => (FORBIDDEN[i.layer] as string[]).includes(i.target));
    expect(crossing.map((i) => `${i.file} imports '${i.spec}' (${i.target}/)`)).toEqual([]);
  });
});
