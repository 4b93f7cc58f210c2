import { describe, expect, it } from 'vitest';
import { FlvFormatError, FlvReader, isKeyframe, isSequenceHeader, type FlvTag } from './FlvReader.js';

function header(): Buffer {
  return Buffer.concat([Buffer.from('FLV'), Buffer.from([1, 5, 0, 0, 0, 9]), Buffer.alloc(4)]);
}

function tag(type: number, timestamp: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(payload.length, 1, 3);
  h.writeUIntBE(timestamp & 0xffffff, 4, 3);
  h[7] = (timestamp >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + payload.length);
  return Buffer.concat([h, payload, prev]);
}

const stream = Buffer.concat([
  header(),
  tag(18, 0, Buffer.from([2, 0, 10, ...Buffer.from('onMetaData')])),
  tag(9, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3])),
  tag(8, 0, Buffer.from([0xaf, 0, 0x12, 0x10])),
  tag(9, 33, Buffer.alloc(5000, 0x27)),
  tag(8, 0x1234567, Buffer.from([0xaf, 1, 9, 9])), // past 24 bits: uses the extension byte
  tag(9, 0xfedcba98, Buffer.from([0x17, 1, 0, 0, 0])),
]);

function readAll(chunks: Buffer[]): FlvTag[] {
  const r = new FlvReader();
  return chunks.flatMap((c) => r.push(c));
}

/** Tags as plain text: deep equality on Buffers is slow in vitest. */
const text = (tags: FlvTag[]) => tags.map((t) => `${t.type} ${t.timestamp} ${t.payload.toString('hex')}`);

describe('FlvReader', () => {
  const whole = readAll([stream]);

  it('reads the header and every tag with its type, 32-bit timestamp and payload', () => {
    expect(whole.map((t) => [t.type, t.timestamp, t.payload.length])).toEqual([
      [18, 0, 13], [9, 0, 8], [8, 0, 4], [9, 33, 5000], [8, 0x1234567, 4], [9, 0xfedcba98, 5],
    ]);
    const r = new FlvReader();
    r.push(stream.subarray(0, 13));
    expect(r.header).toEqual({ version: 1, hasAudio: true, hasVideo: true });
  });

  it('gives the same tags whatever the chunking: one byte at a time, or cut at every possible place', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(text(readAll(bytes))).toEqual(text(whole));
    for (let cut = 1; cut < stream.length; cut += 7) {
      expect(text(readAll([stream.subarray(0, cut), stream.subarray(cut)]))).toEqual(text(whole));
    }
  });

  it('keeps the incomplete rest until the next chunk', () => {
    const r = new FlvReader();
    expect(r.push(stream.subarray(0, 45))).toHaveLength(1); // header (13 bytes) + script tag (28), then 4 bytes of the next
    expect(r.buffered).toBe(4);
  });

  it('names keyframes and codec configuration', () => {
    expect(whole.map(isKeyframe)).toEqual([false, true, false, false, false, true]);
    expect(whole.map(isSequenceHeader)).toEqual([false, true, true, false, false, false]);
  });

  it('refuses a stream that is not FLV', () => {
    expect(() => new FlvReader().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(FlvFormatError);
  });
});
