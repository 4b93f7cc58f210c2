// Reading a player's WHEP offer (draft-ietf-wish-whep): for each m-section it wants to
// receive, what it can decode — as mediasoup's consumer capabilities, payload types as
// the player numbered them. Header extensions are left out on purpose: a consumer's
// extension ids are the router's, and an answer may not renumber what the offer chose
// (RFC 8285), so the program is sent without them (the player demuxes by SSRC).
import sdpTransform, { type SessionDescription } from 'sdp-transform';
import type { types } from 'mediasoup';
import { OfferError, parseOffer, readDtls } from '../../media/sdpOffer.js';

export type ViewerSection = { index: number; mid: string; kind: 'audio' | 'video'; rtpCapabilities: types.RtpCapabilities };

export type ViewerOffer = {
  sdp: SessionDescription;
  dtlsParameters: types.DtlsParameters;
  localSetup: 'active' | 'passive';
  sections: ViewerSection[];
  rejected: { index: number; reason: string }[];
};

export function readViewerOffer(text: string): ViewerOffer {
  const sdp = parseOffer(text);
  const dtls = readDtls(sdp);
  const sections: ViewerSection[] = [];
  const rejected: ViewerOffer['rejected'] = [];
  const taken = new Set<string>();
  sdp.media.forEach((m, index) => {
    const mid = m.mid === undefined ? undefined : String(m.mid);
    const reject = (reason: string) => rejected.push({ index, reason });
    if (m.type !== 'audio' && m.type !== 'video') return reject(`the program is audio and video, not ${m.type}`);
    if (mid === undefined) return reject('the section has no a=mid (WHEP needs BUNDLE)');
    const direction = m.direction ?? 'sendrecv';
    if (direction !== 'recvonly' && direction !== 'sendrecv') return reject(`the section is ${direction}: a WHEP player receives`);
    if (taken.has(m.type)) return reject(`the program has one ${m.type} track; this is a second one`);
    taken.add(m.type);
    const codecs = String(m.payloads ?? '').split(' ').filter(Boolean).map(Number).flatMap((pt): types.RtpCodecCapability[] => {
      const rtp = m.rtp.find((r) => r.payload === pt);
      if (!rtp) return [];
      const fmtp = m.fmtp?.find((f) => f.payload === pt);
      const feedback = (m.rtcpFb ?? []).filter((f) => String(f.payload) === String(pt) || f.payload === '*')
        .map((f) => ({ type: f.type, ...(f.subtype ? { parameter: f.subtype } : {}) }))
        .filter((f) => f.type !== 'transport-cc'); // no extension to carry it (see above)
      return [{
        kind: m.type as 'audio' | 'video',
        mimeType: `${m.type}/${rtp.codec}` as types.RtpCodecCapability['mimeType'],
        preferredPayloadType: pt,
        clockRate: rtp.rate ?? 0,
        ...(rtp.encoding ? { channels: Number(rtp.encoding) } : {}),
        parameters: fmtp ? sdpTransform.parseParams(fmtp.config) : {},
        rtcpFeedback: feedback,
      }];
    });
    sections.push({ index, mid, kind: m.type, rtpCapabilities: { codecs, headerExtensions: [] } });
  });
  if (sections.length === 0) throw new OfferError(`the offer asks for nothing Régie sends: ${rejected.map((r) => r.reason).join('; ')}`, 422);
  return { sdp, dtlsParameters: dtls.parameters, localSetup: dtls.localSetup, sections, rejected };
}
