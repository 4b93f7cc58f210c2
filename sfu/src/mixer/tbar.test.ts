import { describe, expect, it } from 'vitest';
import { shotLayers } from './layouts.js';
import { mixAt, type Shot } from './tbar.js';

const frame = { width: 1280, height: 720 };
const full = (id: string, z: number): Shot => ({ layers: shotLayers(id, { kind: 'full' }, frame, z), gains: { [id]: 1 } });

describe('the T-bar', () => {
  it('halfway between two cameras: both at half, the new one above, their sound crossfaded', () => {
    const s = mixAt(full('red', 1), full('blue', 3), 0.5);
    expect(s.layers).toEqual([
      { input: 'red', x: 0, y: 0, w: 1280, h: 720, alpha: 0.5, z: 1 },
      { input: 'blue', x: 0, y: 0, w: 1280, h: 720, alpha: 0.5, z: 3 },
    ]);
    expect(s.gains).toEqual({ red: 0.5, blue: 0.5 });
  });

  it('at its ends, the shots themselves (and never past them)', () => {
    expect(mixAt(full('red', 1), full('blue', 3), 0).layers.map((l) => [l.input, l.alpha])).toEqual([['red', 1], ['blue', 0]]);
    expect(mixAt(full('red', 1), full('blue', 3), 1).layers.map((l) => [l.input, l.alpha])).toEqual([['red', 0], ['blue', 1]]);
    expect(mixAt(full('red', 1), full('blue', 3), 7).gains).toEqual({ red: 0, blue: 1 });
    expect(mixAt(full('red', 1), full('blue', 3), -1).gains).toEqual({ red: 1, blue: 0 });
  });

  it('a source in both shots goes to its new place at once and keeps its level; only the new inset fades in', () => {
    const pip: Shot = { layers: shotLayers('red', { kind: 'pip', inset: 'blue', corner: 'top-left', size: 0.25 }, frame, 3), gains: { red: 1 } };
    const s = mixAt(full('red', 1), pip, 0.25);
    expect(s.layers).toEqual([
      { input: 'red', x: 0, y: 0, w: 1280, h: 720, alpha: 1, z: 3 },
      { input: 'blue', x: 52, y: 52, w: 320, h: 180, alpha: 0.25, z: 4 },
    ]);
    expect(s.gains).toEqual({ red: 1 });
  });
});
