import { describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { mixedProducers } from './MixerInput.js';

// (only what mixedProducers reads of a producer)
const producer = (id: string, kind: 'video' | 'audio', appData: Record<string, unknown> = {}, closed = false) =>
  ({ id, kind, appData, closed }) as unknown as types.Producer;

describe('what of a source the mixer takes in', () => {
  it('a camera: its picture and its sound', () => {
    const ids = mixedProducers({ video: producer('v', 'video'), audio: producer('a', 'audio') }).map((p) => p.id);
    expect(ids).toEqual(['v', 'a']);
  });

  it('a still (the slate): its picture only, its silence is not mixed', () => {
    const ids = mixedProducers({ video: producer('v', 'video', { still: true }), audio: producer('a', 'audio') }).map((p) => p.id);
    expect(ids).toEqual(['v']);
  });

  it('what has closed is left out', () => {
    expect(mixedProducers({ video: producer('v', 'video', {}, true), audio: producer('a', 'audio') }).map((p) => p.id)).toEqual(['a']);
    expect(mixedProducers({})).toEqual([]);
  });
});
