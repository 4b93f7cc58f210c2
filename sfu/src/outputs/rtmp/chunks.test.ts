// The chunk layer, both sides against each other and against hand-made bytes from
// the spec: what goes through the writer comes out of the reader whole, however TCP
// cuts it.
import { describe, expect, it } from 'vitest';
import { ChunkFormatError, ChunkReader } from './ChunkReader.js';
import { ChunkWriter } from './ChunkWriter.js';
import { MSG_ABORT, MSG_VIDEO, setChunkSize, type RtmpMessage } from './rtmpMessages.js';

const video = (timestamp: number, size: number, streamId = 1): RtmpMessage => ({
  typeId: MSG_VIDEO, streamId, timestamp, payload: Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + timestamp) & 0xff)),
});

function readIn(pieces: Buffer[], reader = new ChunkReader()): RtmpMessage[] {
  return pieces.flatMap((p) => reader.push(p));
}

/** Messages as plain text: deep equality on Buffers is slow in vitest. */
const text = (msgs: RtmpMessage[]) => msgs.map((m) => `${m.typeId} ${m.streamId} ${m.timestamp} ${m.payload.toString('hex')}`);

describe('ChunkWriter + ChunkReader', () => {
  it('round-trips messages larger than a chunk, on interleaved chunk streams, however the bytes are split', () => {
    const w = new ChunkWriter();
    const sent: [number, RtmpMessage][] = [[6, video(0, 300)], [4, { ...video(0, 5), typeId: 8 }], [6, video(33, 128)], [6, video(66, 0)], [300, video(70, 129)], [65599, video(1, 2)]];
    const bytes = Buffer.concat(sent.map(([csid, m]) => w.encode(csid, m)));
    const expected = sent.map(([, m]) => m);
    expect(readIn([bytes])).toEqual(expected);
    expect(text(readIn([...bytes].map((b) => Buffer.from([b]))))).toEqual(text(expected));
    for (let cut = 1; cut < bytes.length; cut += 3) expect(text(readIn([bytes.subarray(0, cut), bytes.subarray(cut)]))).toEqual(text(expected));
  });

  it('writes type 0 first, type 1 with the delta after, type 3 for continuation chunks', () => {
    const w = new ChunkWriter();
    const first = w.encode(6, video(1000, 200));
    expect(first[0]).toBe(0x06); // fmt 0, csid 6
    expect(first.readUIntBE(1, 3)).toBe(1000);
    expect(first.readUInt32LE(8)).toBe(1); // message stream id, little-endian
    expect(first[12 + 128]).toBe(0xc6); // fmt 3 continuation
    const second = w.encode(6, video(1033, 10));
    expect(second[0]).toBe(0x46); // fmt 1
    expect(second.readUIntBE(1, 3)).toBe(33); // the delta
    expect(w.encode(6, video(1000, 10))[0]).toBe(0x06); // back in time: full header again
    expect(w.encode(6, video(1001, 10, 2))[0]).toBe(0x06); // another message stream: full header
  });

  it('uses extended timestamps at and past 0xFFFFFF, repeated on every continuation chunk', () => {
    const w = new ChunkWriter();
    const msgs = [video(0xffffff, 300), video(0xffffff + 40, 300), video(0xfffffff0, 10), video(0x10, 5) /* wrapped: full header */];
    const bytes = Buffer.concat(msgs.map((m) => w.encode(6, m)));
    expect(bytes.readUIntBE(1, 3)).toBe(0xffffff);
    expect(bytes.readUInt32BE(12)).toBe(0xffffff);
    expect(bytes[16 + 128]).toBe(0xc6);
    expect(bytes.readUInt32BE(16 + 128 + 1)).toBe(0xffffff); // extended timestamp again after the type 3 header
    expect(readIn([bytes])).toEqual(msgs);
    expect(text(readIn([...bytes].map((b) => Buffer.from([b]))))).toEqual(text(msgs));
  });

  it('switches chunk size at the exact message that announces it, in the middle of a read', () => {
    const w = new ChunkWriter();
    const a = w.encode(2, setChunkSize(4096));
    w.chunkSize = 4096;
    const big = video(0, 10_000);
    const bytes = Buffer.concat([a, w.encode(6, big)]);
    expect(bytes.length).toBe(a.length + 12 + 10_000 + 2); // two continuation headers of one byte
    const reader = new ChunkReader();
    const out = readIn([bytes], reader);
    expect(text(out.slice(-1))).toEqual(text([big]));
    expect(reader.chunkSize).toBe(4096);
    // and back down
    const c = w.encode(2, setChunkSize(64));
    w.chunkSize = 64;
    expect(readIn([Buffer.concat([c, w.encode(6, video(5, 200))])], reader).at(-1)).toEqual(video(5, 200));
  });

  it('reads type 2 and type 3 message starts as a server may send them', () => {
    // csid 3: type 0 (ts 100, len 2), type 2 (delta 20), type 3 (delta 20 again)
    const bytes = Buffer.from('03' + '000064' + '000002' + '14' + '00000000' + 'aaaa' + '83' + '000014' + 'bbbb' + 'c3' + 'cccc', 'hex');
    const msgs = readIn([bytes]);
    expect(msgs.map((m) => [m.timestamp, m.payload.toString('hex')])).toEqual([[100, 'aaaa'], [120, 'bbbb'], [140, 'cccc']]);
  });

  it('drops a partial message on Abort', () => {
    const w = new ChunkWriter();
    const partial = w.encode(6, video(0, 200)).subarray(0, 12 + 128); // only the first chunk
    const abort = w.encode(2, { typeId: MSG_ABORT, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0, 6]) });
    const next = w.encode(6, video(40, 3)); // type 1: relies on the stream's earlier header
    const out = readIn([partial, abort, next]);
    expect(out.map((m) => m.typeId)).toEqual([MSG_ABORT, MSG_VIDEO]);
    expect(out[1]).toEqual(video(40, 3));
  });

  it('refuses a compressed header on a chunk stream never opened', () => {
    expect(() => new ChunkReader().push(Buffer.from('4600000000000109', 'hex'))).toThrow(ChunkFormatError);
  });
});
