// Incremental FLV demuxer for what ffmpeg writes on a pipe (`-f flv pipe:1`): the
// stream arrives in chunks of any size, cut anywhere — inside the header, inside a
// tag header, inside a payload — so nothing here assumes a chunk boundary means
// anything. Tags come out whole, in order, as views on the bytes read.

export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

export type FlvTag = {
  type: number; // 8 audio, 9 video, 18 script data
  /** Milliseconds, 32 bits (24 bits + the extension byte FLV puts after them). */
  timestamp: number;
  payload: Buffer;
};

export type FlvHeader = { version: number; hasAudio: boolean; hasVideo: boolean };

/** The bytes are not FLV (a misconfigured muxer, or a pipe joined mid-stream). */
export class FlvFormatError extends Error {
  override name = 'FlvFormatError';
}

const HEADER_MIN = 9;
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;
/** A tag larger than this is corrupt data, not a frame: fail rather than buffer it. */
const MAX_TAG_BYTES = 16 * 1024 * 1024;

export class FlvReader {
  header?: FlvHeader;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #headerSize = 0; // the header's own length field: bytes to skip, then the first PreviousTagSize0

  /** Feed the next bytes from the pipe; returns every tag now complete. */
  push(chunk: Buffer): FlvTag[] {
    if (chunk.length) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    }
    const tags: FlvTag[] = [];
    for (;;) {
      if (!this.header) {
        if (this.#pendingBytes < HEADER_MIN) return tags;
        const head = this.#peek(HEADER_MIN);
        if (head.toString('latin1', 0, 3) !== 'FLV') throw new FlvFormatError('the stream does not start with an FLV header');
        this.#headerSize = head.readUInt32BE(5);
        if (this.#headerSize < HEADER_MIN) throw new FlvFormatError(`FLV header size ${this.#headerSize} is too small`);
        if (this.#pendingBytes < this.#headerSize + PREVIOUS_TAG_SIZE) return tags;
        this.header = { version: head[3]!, hasAudio: (head[4]! & 4) !== 0, hasVideo: (head[4]! & 1) !== 0 };
        this.#take(this.#headerSize + PREVIOUS_TAG_SIZE);
        continue;
      }
      if (this.#pendingBytes < TAG_HEADER) return tags;
      const th = this.#peek(TAG_HEADER);
      const type = th[0]! & 0x1f; // the top bits are "filter" (encryption) and reserved
      const size = th.readUIntBE(1, 3);
      if (size > MAX_TAG_BYTES) throw new FlvFormatError(`FLV tag of ${size} bytes: the stream is corrupt`);
      const total = TAG_HEADER + size + PREVIOUS_TAG_SIZE;
      if (this.#pendingBytes < total) return tags;
      const timestamp = (th.readUIntBE(4, 3) | (th[7]! << 24)) >>> 0;
      const tag = this.#take(total);
      // Copy the payload out: the chunk it shares memory with may be a pooled buffer.
      tags.push({ type, timestamp, payload: Buffer.from(tag.subarray(TAG_HEADER, TAG_HEADER + size)) });
    }
  }

  /** Bytes read but not yet part of a complete tag. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  #peek(n: number): Buffer {
    if (this.#pending[0]!.length < n) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0]!.subarray(0, n);
  }

  #take(n: number): Buffer {
    const first = this.#peek(n);
    const head = this.#pending[0]!;
    if (head.length === n) this.#pending.shift();
    else this.#pending[0] = head.subarray(n);
    this.#pendingBytes -= n;
    return first;
  }
}

/** A video tag that starts a decodable picture (an H.264 IDR, or any codec's keyframe). */
export function isKeyframe(tag: FlvTag): boolean {
  return tag.type === FLV_VIDEO && tag.payload.length > 0 && (tag.payload[0]! >> 4) === 1;
}

/**
 * Codec configuration (AVC/HEVC sequence header, AAC AudioSpecificConfig): the
 * decoder needs it before anything else, so it is never dropped.
 */
export function isSequenceHeader(tag: FlvTag): boolean {
  if (tag.payload.length < 2) return false;
  if (tag.type === FLV_VIDEO) return (tag.payload[0]! & 0x0f) === 7 && tag.payload[1] === 0;
  if (tag.type === FLV_AUDIO) return (tag.payload[0]! >> 4) === 10 && tag.payload[1] === 0;
  return false;
}
