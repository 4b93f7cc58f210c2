// The RTMP "simple" handshake (spec §5.2): C0+C1 out, S0+S1+S2 in, C2 (an echo of
// S1) out. Zeros in C1's version field tell servers not to expect the digest
// ("complex") handshake, which only Flash-era players needed; nginx-rtmp, ffmpeg and
// the big ingest services all accept it.
import { randomBytes } from 'node:crypto';

export const RTMP_VERSION = 3;
const PACKET = 1536;

export class HandshakeError extends Error {
  override name = 'HandshakeError';
}

export function c0c1(epochMs = 0): Buffer {
  const out = Buffer.alloc(1 + PACKET);
  out[0] = RTMP_VERSION;
  out.writeUInt32BE(epochMs >>> 0, 1);
  // bytes 5..8 stay zero: simple handshake
  randomBytes(PACKET - 8).copy(out, 9);
  return out;
}

/** Bytes the server sends in the handshake, before any chunk. */
export const SERVER_HANDSHAKE_BYTES = 1 + 2 * PACKET;

/** C2 for the server's S0+S1+S2 (first SERVER_HANDSHAKE_BYTES bytes of what it sent). */
export function c2For(s0s1s2: Buffer): Buffer {
  if (s0s1s2.length < SERVER_HANDSHAKE_BYTES) throw new HandshakeError('the server handshake is incomplete');
  if (s0s1s2[0] !== RTMP_VERSION) throw new HandshakeError(`the server speaks RTMP version ${s0s1s2[0]}, not ${RTMP_VERSION} (is this an RTMP server?)`);
  return Buffer.from(s0s1s2.subarray(1, 1 + PACKET));
}
