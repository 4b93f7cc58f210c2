// RTMP chunk stream, receiving side (spec §5.3): reassembles messages from chunks of
// any header type, on any number of chunk streams, fed in pieces as TCP delivers them.
// Set Chunk Size and Abort change how the very next bytes are cut, so they are applied
// here, as soon as read, not by whoever consumes the messages.
import { MSG_ABORT, MSG_SET_CHUNK_SIZE, type RtmpMessage } from './rtmpMessages.js';

const EXTENDED = 0xffffff;
/** A message larger than this is a broken or hostile peer: refuse instead of buffering it. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class ChunkFormatError extends Error {
  override name = 'ChunkFormatError';
}

type ChunkStreamState = {
  timestamp: number;
  /** The last timestamp field: absolute after type 0, a delta after type 1/2 (what a type 3 message start adds). */
  field: number;
  length: number;
  typeId: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
};

export class ChunkReader {
  /** The peer's chunk size: 128 until it sends Set Chunk Size. */
  chunkSize = 128;
  #pending: Buffer = Buffer.alloc(0);
  readonly #streams = new Map<number, ChunkStreamState>();

  push(data: Buffer): RtmpMessage[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, data]) : data;
    const messages: RtmpMessage[] = [];
    let consumed: number;
    while ((consumed = this.#readChunk(this.#pending, messages)) > 0) this.#pending = this.#pending.subarray(consumed);
    return messages;
  }

  /** One chunk from the start of buf: bytes consumed, or 0 if it is not all there yet. */
  #readChunk(buf: Buffer, out: RtmpMessage[]): number {
    if (buf.length < 1) return 0;
    const fmt = buf[0]! >> 6;
    let csid = buf[0]! & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (buf.length < 2) return 0;
      csid = 64 + buf[1]!;
      pos = 2;
    } else if (csid === 1) {
      if (buf.length < 3) return 0;
      csid = 64 + buf[1]! + buf[2]! * 256;
      pos = 3;
    }
    const headerLength = [11, 7, 3, 0][fmt]!;
    if (buf.length < pos + headerLength) return 0;
    const prev = this.#streams.get(csid);
    if (fmt !== 0 && !prev) throw new ChunkFormatError(`chunk type ${fmt} on chunk stream ${csid} with no earlier header`);
    const st: ChunkStreamState = prev ?? { timestamp: 0, field: 0, length: 0, typeId: 0, streamId: 0, extended: false, parts: [], received: 0 };

    let field = st.field;
    let extended = st.extended;
    let length = st.length;
    let typeId = st.typeId;
    let streamId = st.streamId;
    if (fmt <= 2) {
      field = buf.readUIntBE(pos, 3);
      extended = field === EXTENDED;
    }
    if (fmt <= 1) {
      length = buf.readUIntBE(pos + 3, 3);
      typeId = buf[pos + 6]!;
    }
    if (fmt === 0) streamId = buf.readUInt32LE(pos + 7);
    pos += headerLength;
    if (extended) {
      if (buf.length < pos + 4) return 0;
      field = buf.readUInt32BE(pos);
      pos += 4;
    }
    if (length > MAX_MESSAGE_BYTES) throw new ChunkFormatError(`message of ${length} bytes on chunk stream ${csid}`);
    const starting = fmt !== 3 || st.received === 0;
    const received = starting ? 0 : st.received;
    const size = Math.min(this.chunkSize, length - received);
    if (buf.length < pos + size) return 0;

    // The whole chunk is here: commit the header to the chunk stream's state.
    if (starting) {
      st.parts = [];
      st.received = 0;
      st.timestamp = fmt === 0 ? field : (st.timestamp + field) >>> 0;
    }
    Object.assign(st, { field, extended, length, typeId, streamId });
    this.#streams.set(csid, st);
    if (size > 0) st.parts.push(buf.subarray(pos, pos + size));
    st.received += size;
    pos += size;

    if (st.received >= st.length) {
      const payload = Buffer.concat(st.parts);
      st.parts = [];
      st.received = 0;
      const msg = { typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, payload };
      this.#control(msg);
      out.push(msg);
    }
    return pos;
  }

  #control(msg: RtmpMessage): void {
    if (msg.streamId !== 0 || msg.payload.length < 4) return;
    if (msg.typeId === MSG_SET_CHUNK_SIZE) {
      const size = msg.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1) throw new ChunkFormatError('the peer set a chunk size of 0');
      this.chunkSize = size;
    } else if (msg.typeId === MSG_ABORT) {
      const st = this.#streams.get(msg.payload.readUInt32BE(0));
      if (st) {
        st.parts = [];
        st.received = 0;
      }
    }
  }
}
