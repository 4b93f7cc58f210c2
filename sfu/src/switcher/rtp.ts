// Just enough RTP (RFC 3550) to splice streams: read and rewrite the header fields
// that must stay continuous, and find where an H.264 keyframe starts.

export type RtpHeader = { payloadType: number; marker: boolean; sequenceNumber: number; timestamp: number; ssrc: number; payloadOffset: number };

export function parseRtp(packet: Buffer): RtpHeader | null {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return null;
  const csrcCount = packet[0]! & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4; // header extension
  }
  let end = packet.length;
  if (packet[0]! & 0x20) end -= packet[packet.length - 1]!; // padding
  if (offset > end) return null;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset: offset,
  };
}

/** A copy of the packet with new identity and numbering; the payload is untouched. */
export function rewriteRtp(packet: Buffer, f: { payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number }): Buffer {
  const out = Buffer.from(packet);
  out[1] = (out[1]! & 0x80) | (f.payloadType & 0x7f);
  out.writeUInt16BE(f.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(f.timestamp >>> 0, 4);
  out.writeUInt32BE(f.ssrc >>> 0, 8);
  return out;
}

const NAL_IDR = 5;
const NAL_SPS = 7;

/**
 * Whether this H.264 packet starts a keyframe: it carries the SPS (alone, in a STAP-A
 * aggregate, or as the start of a fragment). Chromium sends STAP-A [SPS, PPS, IDR] or
 * STAP-A [SPS, PPS] then FU-A IDR fragments; switching on the SPS packet keeps the
 * parameter sets with the picture that needs them. An IDR with no SPS before it (some
 * encoders repeat parameter sets out of band) also counts.
 */
export function isH264KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const type = payload[0]! & 0x1f;
  if (type === NAL_SPS || type === NAL_IDR) return true;
  if (type === 24) {
    // STAP-A: [2-byte size][NAL] ...
    for (let i = 1; i + 2 < payload.length;) {
      const size = payload.readUInt16BE(i);
      const nal = payload[i + 2]! & 0x1f;
      if (nal === NAL_SPS || nal === NAL_IDR) return true;
      i += 2 + size;
    }
    return false;
  }
  if (type === 28) {
    // FU-A: the start fragment of an IDR
    const start = (payload[1]! & 0x80) !== 0;
    return start && ((payload[1]! & 0x1f) === NAL_IDR || (payload[1]! & 0x1f) === NAL_SPS);
  }
  return false;
}
