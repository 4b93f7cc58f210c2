import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { Composition } from './Composition.js';
import type { MixerChannel, MixerCommand } from './MixerChannel.js';

const FULL = { kind: 'full' } as const;

function composition() {
  const sent: MixerCommand[] = [];
  const channel = { send: async (c: MixerCommand) => { sent.push(c); }, on: () => channel, off: () => channel } as unknown as MixerChannel;
  const log = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
  return { c: new Composition(channel, { width: 1280, height: 720 }, log), sent };
}

describe('the composition: the shot the T-bar holds (its cameras are on air: their tally)', () => {
  it('is the shot mixed in while the bar is off its start, and none once back at the start', () => {
    const { c, sent } = composition();
    const pip = { kind: 'pip', inset: 'c', corner: 'top-left', size: 0.3 } as const;
    c.mixBy({ id: 'a', layout: FULL }, { id: 'b', layout: pip }, 0.4);
    expect(c.held).toEqual({ id: 'b', layout: pip });
    expect(sent.at(-1)).toMatchObject({ cmd: 'scene', ms: 0 });
    c.mixBy({ id: 'a', layout: FULL }, { id: 'b', layout: pip }, 0);
    expect(c.held).toBeUndefined();
  });

  it('is none once a shot is taken (the bar pushed to its end cuts from the same picture)', () => {
    const { c } = composition();
    c.mixBy({ id: 'a', layout: FULL }, { id: 'b', layout: FULL }, 0.9);
    c.scene('b', FULL, undefined, false, () => true);
    expect(c.held).toBeUndefined();
  });
});
