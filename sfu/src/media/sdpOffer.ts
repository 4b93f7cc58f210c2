// What every SDP offer a client POSTs (WHIP's encoders, WHEP's players) is read for
// first: that it is SDP at all, and its DTLS side (fingerprint at session or media level,
// the role it leaves to Régie). A reader's every refusal is an OfferError with the reason.
import sdpTransform, { type SessionDescription } from 'sdp-transform';
import type { types } from 'mediasoup';

/** What the offer asks that Régie cannot do: the HTTP answer is a 4xx with this text. */
export class OfferError extends Error {
  constructor(message: string, readonly status: 400 | 422 = 400) {
    super(message);
  }
}

export function parseOffer(text: string): SessionDescription {
  if (!/^v=0\r?\n/.test(text)) throw new OfferError('the body is not an SDP offer (it must start with "v=0")');
  let sdp: SessionDescription;
  try {
    sdp = sdpTransform.parse(text);
  } catch (err) {
    throw new OfferError(`the SDP offer cannot be read: ${(err as Error).message}`);
  }
  if (!sdp.media?.length) throw new OfferError('the SDP offer has no media section (m=audio or m=video)');
  return sdp;
}

const FINGERPRINT_ALGORITHMS = new Set(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']);

export function readDtls(sdp: SessionDescription): { parameters: types.DtlsParameters; localSetup: 'active' | 'passive' } {
  const first = sdp.media.find((m) => m.fingerprint) ?? sdp.media[0]!;
  const fingerprint = first.fingerprint ?? sdp.fingerprint;
  if (!fingerprint) throw new OfferError('the offer has no a=fingerprint (DTLS is required)');
  const algorithm = fingerprint.type.toLowerCase();
  if (!FINGERPRINT_ALGORITHMS.has(algorithm)) throw new OfferError(`the DTLS fingerprint uses ${fingerprint.type}, which is not supported (use sha-256)`);
  const setup = (sdp.media.find((m) => m.setup)?.setup ?? sdp.setup ?? 'actpass') as string;
  if (!['actpass', 'active', 'passive'].includes(setup)) throw new OfferError(`a=setup:${setup} is not a DTLS role (actpass, active or passive)`);
  // The client chooses between being DTLS client and server (actpass): it is the client,
  // Régie waits (passive), as WHIP's own example does.
  const clientRole: 'client' | 'server' = setup === 'passive' ? 'server' : 'client';
  return {
    parameters: { role: clientRole, fingerprints: [{ algorithm: algorithm as types.FingerprintAlgorithm, value: fingerprint.hash }] },
    localSetup: clientRole === 'client' ? 'passive' : 'active',
  };
}
