import { describe, expect, it } from 'vitest';
import type { FlvTag } from './FlvReader.js';
import { TagGate } from './TagGate.js';

const key: FlvTag = { type: 9, timestamp: 0, payload: Buffer.from([0x17, 1, 0, 0, 0]) };
const inter: FlvTag = { type: 9, timestamp: 0, payload: Buffer.from([0x27, 1, 0, 0, 0]) };
const audio: FlvTag = { type: 8, timestamp: 0, payload: Buffer.from([0xaf, 1, 0]) };
const avcConfig: FlvTag = { type: 9, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0]) };
const metadata: FlvTag = { type: 18, timestamp: 0, payload: Buffer.from([2, 0, 0]) };

describe('TagGate', () => {
  it('starts video at a keyframe; audio, metadata and codec configuration go at once', () => {
    const g = new TagGate(1000);
    expect([inter, audio, metadata, avcConfig, key, inter].map((t) => g.admit(t, 0))).toEqual([false, true, true, true, true, true]);
    expect(g.droppedTags).toBe(1);
  });

  it('over the limit, drops video and then every frame up to the next keyframe, even once the queue has drained', () => {
    const g = new TagGate(1000);
    g.admit(key, 0);
    const decisions = [[inter, 500], [inter, 1500], [inter, 0], [key, 1500], [inter, 0], [key, 0], [inter, 0]] as const;
    expect(decisions.map(([t, q]) => g.admit(t, q))).toEqual([true, false, false, false, false, true, true]);
    expect(g.droppedTags).toBe(4);
    expect(g.droppedBytes).toBe(20);
  });

  it('drops audio only at twice the limit, and never the codec configuration', () => {
    const g = new TagGate(1000);
    expect([g.admit(audio, 1500), g.admit(audio, 2500), g.admit(avcConfig, 1e9), g.admit(metadata, 1e9)]).toEqual([true, false, true, true]);
  });
});
