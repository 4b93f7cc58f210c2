// Where each picture of a shot goes in the program frame. Boxes, not sizes: the mixer
// fits each picture in its box keeping its aspect (a portrait phone is pillarboxed,
// never stretched). Sound follows the shot's main source.
import type { Layout } from '../../../shared/src/protocol.js';
import type { Layer } from './MixerChannel.js';

export type Frame = { width: number; height: number };

export const FULL: Layout = { kind: 'full' };

/** One source filling the frame. */
export function fullFrame(input: string, frame: Frame, z: number): Layer {
  return { input, x: 0, y: 0, w: frame.width, h: frame.height, alpha: 1, z };
}

/** A shot the slate (or any take made without a layout) covered: it comes back as it was. */
export type CoveredShot = { id: string; layout: Layout } | undefined;

/**
 * The layout a take gets. The director's cut or take brings its own. A take without one
 * (the slate covering, a camera back by itself, a cut given up): the shot on air keeps
 * its own; a camera back from under the cover gets the shot it had (its picture in
 * picture, its side by side); anything else is full frame — and a multi-picture shot
 * it covers is remembered for its return.
 */
export function layoutOfTake(take: string, given: Layout | undefined, onAir: { id?: string; layout: Layout }, covered: CoveredShot): { layout: Layout; covered: CoveredShot } {
  if (given) return { layout: given, covered: undefined };
  if (take === onAir.id) return { layout: onAir.layout, covered };
  if (covered && take === covered.id) return { layout: covered.layout, covered: undefined };
  return { layout: FULL, covered: onAir.id && onAir.layout.kind !== 'full' ? { id: onAir.id, layout: onAir.layout } : covered };
}

/** Every source a shot shows: its main one first. */
export function members(main: string, layout: Layout): string[] {
  if (layout.kind === 'pip') return [main, layout.inset];
  if (layout.kind === 'side-by-side') return [main, layout.right];
  return [main];
}

/** The layers of a shot, stacked from `z` up (the shot taken goes over the one it replaces). */
export function shotLayers(main: string, layout: Layout, frame: Frame, z: number): Layer[] {
  const even = (n: number) => Math.round(n / 2) * 2;
  if (layout.kind === 'pip') {
    // An inset of the frame's shape, a margin of 4 % of the width from its corner.
    const w = even(frame.width * layout.size);
    const h = even((w * frame.height) / frame.width);
    const margin = even(frame.width * 0.04);
    const x = layout.corner.endsWith('left') ? margin : frame.width - margin - w;
    const y = layout.corner.startsWith('top') ? margin : frame.height - margin - h;
    return [fullFrame(main, frame, z), { input: layout.inset, x, y, w, h, alpha: 1, z: z + 1 }];
  }
  if (layout.kind === 'side-by-side') {
    const half = even(frame.width / 2);
    return [
      { input: main, x: 0, y: 0, w: half, h: frame.height, alpha: 1, z },
      { input: layout.right, x: half, y: 0, w: frame.width - half, h: frame.height, alpha: 1, z },
    ];
  }
  return [fullFrame(main, frame, z)];
}
