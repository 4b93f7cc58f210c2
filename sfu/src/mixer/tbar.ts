// The T-bar: the director mixes the shot in preview over the one on air by hand, as far
// as the bar is pushed. Each position is the frame a mix (dissolve) would compose at that
// point of its way: the new shot's layers in their places and above, its sources faded
// in as the old shot's fade out, their sound crossfaded; a source in both shots (the
// main picture of a picture in picture taken over the full frame) in its new place at
// once, its level going from the old to the new. At the end of the bar the shot is
// taken (a cut from there: the same picture).
import type { Layer } from './MixerChannel.js';

export type Shot = { layers: Layer[]; gains: Record<string, number> };

const lerp = (a: number, b: number, x: number) => a + (b - a) * x;

/** The scene at `position` (0: all `from`, 1: all `to`) of a mix from one shot to another. */
export function mixAt(from: Shot, to: Shot, position: number): Shot {
  const x = Math.min(1, Math.max(0, position));
  const old = new Map(from.layers.map((l) => [l.input, l]));
  const next = new Map(to.layers.map((l) => [l.input, l]));
  const layers: Layer[] = [
    ...from.layers.filter((l) => !next.has(l.input)).map((l) => ({ ...l, alpha: l.alpha * (1 - x) })),
    ...to.layers.map((l) => ({ ...l, alpha: lerp(old.get(l.input)?.alpha ?? 0, l.alpha, x) })),
  ];
  const gains: Record<string, number> = {};
  for (const id of new Set([...Object.keys(from.gains), ...Object.keys(to.gains)])) {
    gains[id] = lerp(from.gains[id] ?? 0, to.gains[id] ?? 0, x);
  }
  return { layers, gains };
}
