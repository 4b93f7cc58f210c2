import { describe, expect, it } from 'vitest';
import { MixerGraphics } from './graphics.js';
import type { KeptGraphics } from '../store/GraphicsStore.js';
import type { MixerCommand } from './MixerChannel.js';

function graphics() {
  const sent: MixerCommand[] = [];
  let changes = 0;
  const g = new MixerGraphics((c) => sent.push(c), () => changes++);
  return { g, sent, changes: () => changes };
}

describe('the graphics', () => {
  it('a graphic put on the program directly fades in; off, it fades out', () => {
    const { g, sent } = graphics();
    g.set('live', true, false);
    expect(sent.at(-1)).toEqual({ cmd: 'graphic', name: 'live', on: true, ms: 500 });
    expect(g.view.onAir).toEqual(['live']);
    g.set('live', false, false);
    expect(sent.at(-1)).toEqual({ cmd: 'graphic', name: 'live', on: false, ms: 500 });
    expect(g.view.onAir).toEqual([]);
  });

  it('readied with the next shot, it changes nothing until the shot is taken, then fades with its transition', () => {
    const { g, sent } = graphics();
    g.set('lower-third', true, true);
    expect(sent).toEqual([]);
    expect(g.view).toMatchObject({ onAir: [], withNextShot: ['lower-third'] });
    g.takeReadied(1000);
    expect(sent).toEqual([{ cmd: 'graphic', name: 'lower-third', on: true, ms: 1000 }]);
    expect(g.view).toMatchObject({ onAir: ['lower-third'], withNextShot: [] });
    g.set('lower-third', true, true); // already on: nothing to ready
    expect(g.view.withNextShot).toEqual([]);
  });

  it('its text changes live, and a new mixer gets everything back as it was', () => {
    const { g, sent } = graphics();
    g.set('lower-third', true, false);
    g.setText({ title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' });
    expect(sent).toContainEqual({ cmd: 'graphic', name: 'lower-third', on: true, ms: 0, title: 'Tour Eiffel', subtitle: 'Paris' });
    g.setCountdown({ at: 1_798_761_600_000, label: 'Midnight' });
    expect(sent.at(-1)).toEqual({ cmd: 'countdown', at: 1_798_761_600_000, label: 'Midnight', final: 'Bonne année !' });
    sent.length = 0;
    g.restore();
    expect(sent).toEqual([
      { cmd: 'graphic', name: 'lower-third', on: true, ms: 0, title: 'Tour Eiffel', subtitle: 'Paris' },
      { cmd: 'countdown', at: 1_798_761_600_000, label: 'Midnight', final: 'Bonne année !' },
      { cmd: 'graphic', name: 'lower-third', on: true, ms: 0 },
    ]);
  });

  it('which are on and what they say are kept as they change, and a restarted server starts with them (a logo with no image stays off)', () => {
    let kept: KeptGraphics | undefined;
    const store = { get current() { return kept; }, keep: (g: KeptGraphics) => { kept = g; } };
    const g = new MixerGraphics(() => undefined, () => undefined, undefined, store);
    g.setText({ title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' });
    g.set('lower-third', true, false);
    g.set('countdown', true, true); // readied: a moment's intent, not kept
    expect(kept).toEqual({ onAir: ['lower-third'], text: { title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' } });
    kept = { ...kept!, onAir: [...kept!.onAir, 'logo'] }; // (kept by a show whose logo is gone since)
    const sent: MixerCommand[] = [];
    const again = new MixerGraphics((c) => sent.push(c), () => undefined, undefined, store);
    expect(again.view).toMatchObject({ onAir: ['lower-third'], withNextShot: [], text: { title: 'Tour Eiffel' } });
    again.restore(); // its first mixer gets them on
    expect(sent).toContainEqual({ cmd: 'graphic', name: 'lower-third', on: true, ms: 0 });
  });
});
