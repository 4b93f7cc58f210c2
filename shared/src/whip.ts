// WHIP (RFC 9725): how an encoder (OBS, Larix, GStreamer…) publishes into a camera slot
// over HTTP. The slot's endpoint is its URL; the slot's invite token is the Bearer token.
// What a request may carry is checked here, before the server reads a byte of SDP.
import { z } from 'zod';
import { SlotId } from './protocol.js';

/** The endpoint an encoder is given for a slot ("Server" in OBS's WHIP settings). */
export const whipEndpoint = (publicUrl: string, slotId: string): string => `${publicUrl}/whip/${slotId}`;

/** A session's id in its URL (/whip/<slot>/<session>): random, hard to guess. */
export const WhipSessionId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a WHIP session id');

export const WhipPath = z.object({ slotId: SlotId });
export const WhipSessionPath = z.object({ slotId: SlotId, sessionId: WhipSessionId });

/** The body of a POST: an SDP offer (a real one is a few kB; 64 kB leaves room for many candidates). */
export const SdpOffer = z.string()
  .max(64_000, 'the SDP offer is over 64 kB: that is not an offer from an encoder')
  .regex(/^v=0\r?\n/, 'the body is not an SDP offer (it must start with "v=0")');

/** The body of a PATCH: a trickle-ice-sdpfrag (RFC 8840) — candidates, or new ICE credentials. */
export const SdpFragment = z.string()
  .max(16_000, 'the SDP fragment is over 16 kB')
  .refine((s) => /^(a=|m=)/m.test(s), 'the body is not an SDP fragment (a=… and m=… lines)');

export const SDP_TYPE = 'application/sdp';
export const SDP_FRAGMENT_TYPE = 'application/trickle-ice-sdpfrag';

/** WHEP (draft-ietf-wish-whep): the program for players, at /whep; the viewer link's token is the Bearer token when the watch page is not public. */
export const WHEP_PATH = '/whep';
export const WhepSessionPath = z.object({ sessionId: WhipSessionId });
