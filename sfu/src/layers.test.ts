// No module imports from a layer above it. The server's folders follow the media and
// its control, lowest first; a folder may import its own files and any folder below
// it, never one above. And the two sides of the protocol stay apart: shared/ imports
// neither the server nor the studio, and the studio imports no server code.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specifiers, tsFiles } from '../../testkit/imports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const server = join(root, 'sfu/src');

/** Lowest first. A folder, or a file at the top of sfu/src (without .ts). */
const LAYERS: string[][] = [
  ['errors', 'log', 'outputFormat'],
  ['config', 'process'],
  ['store', 'media'],
  ['ingest'], // sources: cameras, the slate
  ['mixer'], // composes the program from the sources: transitions, any codec
  ['switcher'], // preview, program, cut
  ['encoder'], // the one encode of the program
  ['outputs'], // destinations and the recording
  ['multiview'], // the director's view of every source
  ['show'], // owns all of the above
  ['http', 'signaling'], // the ways in: pages, sockets
  ['main', 'supervisor'],
];
const levelOf = (unit: string): number => LAYERS.findIndex((layer) => layer.includes(unit));

/** The unit a path in sfu/src belongs to: its top folder, or its file name at the top. */
const unitOf = (path: string): string => relative(server, path).split(sep)[0]!.replace(/(\.test|\.fixture)?\.(ts|js)$/, '');

type Import = { file: string; spec: string; target: string };

function relativeImports(dir: string): Import[] {
  return tsFiles(dir).flatMap((path) => specifiers(readFileSync(path, 'utf8'))
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => ({ file: path, spec, target: resolve(dirname(path), spec) })));
}

describe('layers', () => {
  it('every part of the server has a layer', () => {
    const units = new Set(tsFiles(server).filter((f) => !f.endsWith('layers.test.ts')).map(unitOf));
    expect([...units].filter((u) => levelOf(u) < 0)).toEqual([]);
  });

  it('no server module imports from a layer above its own', () => {
    const all = relativeImports(server).filter((i) => i.target.startsWith(server + sep));
    expect(all.length).toBeGreaterThan(100); // not vacuous: the server's imports were read
    const upward = all.filter((i) => levelOf(unitOf(i.target)) > levelOf(unitOf(i.file)));
    expect(upward.map((i) => `${relative(root, i.file)} imports '${i.spec}' (${unitOf(i.target)} is above ${unitOf(i.file)})`)).toEqual([]);
  });

  it('shared/ imports neither side; the studio imports no server code, the server no studio code', () => {
    const outside = (dir: string, allowed: string[]) => relativeImports(join(root, dir))
      .filter((i) => !allowed.some((a) => i.target.startsWith(join(root, a) + sep)))
      .map((i) => `${relative(root, i.file)} imports '${i.spec}'`);
    expect(outside('shared', ['shared'])).toEqual([]);
    expect(outside('studio', ['studio', 'shared'])).toEqual([]);
    expect(outside('sfu', ['sfu', 'shared', 'testkit'])).toEqual([]);
  });
});
