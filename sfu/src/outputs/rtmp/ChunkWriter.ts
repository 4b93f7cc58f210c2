// RTMP chunk stream, sending side (spec §5.3): cuts each message into chunks of the
// negotiated size and compresses headers against the previous message on the same
// chunk stream — type 0 (full) for the first message or when time goes back, type 1
// (delta, length, type) after that, type 3 for the rest of a message's chunks.
import type { RtmpMessage } from './rtmpMessages.js';

const EXTENDED = 0xffffff;

type Sent = { streamId: number; timestamp: number };

export class ChunkWriter {
  /** Bytes of payload per chunk. Change it only right after sending Set Chunk Size with the same value. */
  chunkSize = 128;
  readonly #last = new Map<number, Sent>();

  encode(csid: number, msg: RtmpMessage): Buffer {
    if (csid < 2 || csid > 65599) throw new RangeError(`chunk stream id ${csid} is out of range`);
    const timestamp = msg.timestamp >>> 0;
    const prev = this.#last.get(csid);
    // Type 1 carries a delta: only valid on the same message stream and forward in time.
    const fmt = prev && prev.streamId === msg.streamId && timestamp >= prev.timestamp ? 1 : 0;
    const field = fmt === 0 ? timestamp : timestamp - prev!.timestamp;
    const extended = field >= EXTENDED;
    this.#last.set(csid, { streamId: msg.streamId, timestamp });

    const length = msg.payload.length;
    const chunks = Math.max(1, Math.ceil(length / this.chunkSize));
    const basic = basicHeader(0, csid).length;
    const ext = extended ? 4 : 0;
    const out = Buffer.alloc(basic + (fmt === 0 ? 11 : 7) + ext + (chunks - 1) * (basic + ext) + length);
    let pos = basicHeader(fmt, csid).copy(out, 0);
    out.writeUIntBE(extended ? EXTENDED : field, pos, 3);
    out.writeUIntBE(length, pos + 3, 3);
    out[pos + 6] = msg.typeId;
    pos += 7;
    if (fmt === 0) pos = out.writeUInt32LE(msg.streamId, pos); // the one little-endian field of RTMP
    if (extended) pos = out.writeUInt32BE(field, pos);
    for (let offset = 0; offset < length || offset === 0; offset += this.chunkSize) {
      if (offset > 0) {
        // Continuation: type 3, and the extended timestamp again (nginx-rtmp and ffmpeg expect it).
        pos += basicHeader(3, csid).copy(out, pos);
        if (extended) pos = out.writeUInt32BE(field, pos);
      }
      pos += msg.payload.copy(out, pos, offset, Math.min(length, offset + this.chunkSize));
      if (length === 0) break;
    }
    return out;
  }
}

export function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}
