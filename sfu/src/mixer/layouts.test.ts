import { describe, expect, it } from 'vitest';
import { FULL, layoutOfTake, members, shotLayers } from './layouts.js';

const frame = { width: 1280, height: 720 };

describe('shot layouts', () => {
  it('full frame: one layer over the whole frame', () => {
    expect(shotLayers('a', { kind: 'full' }, frame, 3)).toEqual([{ input: 'a', x: 0, y: 0, w: 1280, h: 720, alpha: 1, z: 3 }]);
  });

  it('picture in picture: the inset in its corner, of the frame\'s shape, above the main picture', () => {
    const [main, inset] = shotLayers('a', { kind: 'pip', inset: 'b', corner: 'bottom-right', size: 0.25 }, frame, 5);
    expect(main).toMatchObject({ input: 'a', w: 1280, h: 720, z: 5 });
    expect(inset).toEqual({ input: 'b', x: 1280 - 52 - 320, y: 720 - 52 - 180, w: 320, h: 180, alpha: 1, z: 6 });
    const [, topLeft] = shotLayers('a', { kind: 'pip', inset: 'b', corner: 'top-left', size: 0.25 }, frame, 5);
    expect(topLeft).toMatchObject({ x: 52, y: 52 });
  });

  it('side by side: two halves, each picture fitted in its own', () => {
    expect(shotLayers('a', { kind: 'side-by-side', right: 'b' }, frame, 1)).toEqual([
      { input: 'a', x: 0, y: 0, w: 640, h: 720, alpha: 1, z: 1 },
      { input: 'b', x: 640, y: 0, w: 640, h: 720, alpha: 1, z: 1 },
    ]);
  });

  it('names every source a shot shows, its main one first', () => {
    expect(members('a', { kind: 'full' })).toEqual(['a']);
    expect(members('a', { kind: 'pip', inset: 'b', corner: 'top-left', size: 0.3 })).toEqual(['a', 'b']);
    expect(members('a', { kind: 'side-by-side', right: 'c' })).toEqual(['a', 'c']);
  });
});

describe('the layout a take gets', () => {
  const pip = { kind: 'pip', inset: 'b', corner: 'top-left', size: 0.3 } as const;

  it('the director\'s own; without one, the shot on air keeps its layout', () => {
    expect(layoutOfTake('c', { kind: 'side-by-side', right: 'a' }, { id: 'a', layout: pip }, undefined)).toEqual({ layout: { kind: 'side-by-side', right: 'a' }, covered: undefined });
    expect(layoutOfTake('a', undefined, { id: 'a', layout: pip }, undefined)).toEqual({ layout: pip, covered: undefined });
  });

  it('a shot in picture in picture covered by the slate comes back as it was when its camera returns by itself', () => {
    const cover = layoutOfTake('slate', undefined, { id: 'a', layout: pip }, undefined);
    expect(cover).toEqual({ layout: FULL, covered: { id: 'a', layout: pip } });
    const back = layoutOfTake('a', undefined, { id: 'slate', layout: FULL }, cover.covered);
    expect(back).toEqual({ layout: pip, covered: undefined });
  });

  it('the director cutting meanwhile forgets the covered shot; a full-frame shot needs no memory', () => {
    const cover = layoutOfTake('slate', undefined, { id: 'a', layout: pip }, undefined);
    expect(layoutOfTake('c', FULL, { id: 'slate', layout: FULL }, cover.covered).covered).toBeUndefined();
    expect(layoutOfTake('slate', undefined, { id: 'a', layout: FULL }, undefined)).toEqual({ layout: FULL, covered: undefined });
  });
});
