import type { RtpPacket } from 'werift';
import { describe, expect, it } from 'vitest';
import { FrameTally } from './whepPlayer.js';

const packet = (sequenceNumber: number, timestamp: number) => ({ header: { sequenceNumber, timestamp } }) as RtpPacket;

describe('a WHEP player counts frames', () => {
  it('one frame per new timestamp, however many packets carry it', () => {
    const t = new FrameTally();
    for (const [seq, ts] of [[1, 3000], [2, 3000], [3, 3000], [4, 6000], [5, 9000], [6, 9000]] as const) t.add(packet(seq, ts));
    expect(t.frames).toBe(3);
  });

  it('a late retransmission or a duplicate counts for nothing', () => {
    const t = new FrameTally();
    for (const [seq, ts] of [[10, 3000], [12, 6000], [11, 3000], [12, 6000], [13, 9000]] as const) t.add(packet(seq, ts));
    expect(t.frames).toBe(3);
  });

  it('across the sequence number wrap', () => {
    const t = new FrameTally();
    for (const [seq, ts] of [[65534, 3000], [65535, 6000], [0, 9000], [65535, 6000], [1, 12000]] as const) t.add(packet(seq, ts));
    expect(t.frames).toBe(4);
  });
});
