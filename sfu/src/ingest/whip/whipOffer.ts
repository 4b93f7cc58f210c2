// Reading a WHIP client's SDP offer (RFC 9725) into what mediasoup needs to receive it:
// the client's DTLS fingerprint and role, and for each m-section the RTP parameters of
// one producer (the codec Régie's router takes, its RTX, feedback, header extensions
// and how its packets are told apart: SSRC, RID or only the MID).
//
// Other encoders write offers differently, so this follows the RFCs, not one client:
// - attributes may sit at session or media level (OBS 30.1 put ICE and setup at the session);
// - the codec is the router's first that the client offers (H.264 before VP8: on air);
// - simulcast (RFC 8853) lists RIDs in preference order, full resolution first, while
//   mediasoup wants its encodings lowest first: they are reversed;
// - a section Régie cannot take is rejected in the answer (port 0), with the reason
//   kept for the error when nothing at all can be taken.
import sdpTransform, { type SessionDescription } from 'sdp-transform';
import { OfferError, parseOffer, readDtls } from '../../media/sdpOffer.js';
import { isSameProfile } from 'h264-profile-level-id';
import type { types } from 'mediasoup';

export type OfferedTrack = {
  /** the m-section's position in the offer (the answer keeps the same order) */
  index: number;
  mid: string;
  kind: 'audio' | 'video';
  rtpParameters: types.RtpParameters;
};

export type RejectedSection = { index: number; mid?: string; kind: string; reason: string };

export { OfferError };

export type ReadOffer = {
  sdp: SessionDescription;
  /** the client's DTLS side, as mediasoup's transport.connect() takes it */
  dtlsParameters: types.DtlsParameters;
  /** what the answer's a=setup says Régie is */
  localSetup: 'active' | 'passive';
  accepted: OfferedTrack[];
  rejected: RejectedSection[];
};

type MediaSection = SessionDescription['media'][number];

export function readOffer(text: string, capabilities: types.RtpCapabilities): ReadOffer {
  const sdp = parseOffer(text);

  const dtls = readDtls(sdp);
  const accepted: OfferedTrack[] = [];
  const rejected: RejectedSection[] = [];
  const taken = new Set<string>();
  const bundled = String(sdp.groups?.find((g) => g.type === 'BUNDLE')?.mids ?? '').split(' '); // (one mid is read as a number)
  sdp.media.forEach((m, index) => {
    const mid = m.mid === undefined ? undefined : String(m.mid);
    const reject = (reason: string) => rejected.push({ index, ...(mid !== undefined ? { mid } : {}), kind: m.type, reason });
    if (m.type !== 'audio' && m.type !== 'video') return reject(`Régie takes audio and video, not ${m.type}`);
    if (mid === undefined) return reject('the section has no a=mid (WHIP needs BUNDLE)');
    // Port 0 disables a section, unless it is bundle-only (RFC 8843): it rides the
    // bundle's transport (webrtcbin and RFC 9725's own example write their offers so).
    if (m.port === 0 && !(m.bundleOnly && bundled.includes(mid))) return reject('the client itself disabled this section');
    const direction = m.direction ?? 'sendrecv';
    if (direction !== 'sendonly' && direction !== 'sendrecv') return reject(`the section is ${direction}: a WHIP client sends`);
    if (taken.has(m.type)) return reject(`a camera sends one ${m.type} track; this is a second one`);
    try {
      accepted.push({ index, mid, kind: m.type, rtpParameters: rtpParameters(m, mid, capabilities) });
      taken.add(m.type);
    } catch (err) {
      if (!(err instanceof OfferError)) throw err;
      reject(err.message);
    }
  });
  if (accepted.length === 0) {
    throw new OfferError(`nothing in the offer can be received: ${rejected.map((r) => `${r.kind}${r.mid !== undefined ? ` (mid ${r.mid})` : ''}: ${r.reason}`).join('; ')}`, 422);
  }
  const unbundled = accepted.filter((t) => !bundled.includes(t.mid));
  if (accepted.length > 1 && unbundled.length > 0) {
    throw new OfferError(`the offer does not bundle its media in one transport (a=group:BUNDLE lacks mid ${unbundled.map((t) => t.mid).join(', ')}); WHIP requires BUNDLE`);
  }
  return { sdp, dtlsParameters: dtls.parameters, localSetup: dtls.localSetup, accepted, rejected };
}

type OfferedCodec = { payloadType: number; mimeType: string; clockRate: number; channels?: number; parameters: Record<string, unknown> };

function offeredCodecs(m: MediaSection): OfferedCodec[] {
  const order = String(m.payloads ?? '').split(' ').filter(Boolean).map(Number);
  return order.flatMap((pt) => {
    const rtp = m.rtp.find((r) => r.payload === pt);
    if (!rtp) return [];
    const fmtp = m.fmtp?.find((f) => f.payload === pt);
    const channels = rtp.encoding ? Number(rtp.encoding) : undefined;
    return [{
      payloadType: pt,
      mimeType: `${m.type}/${rtp.codec}`,
      clockRate: rtp.rate ?? 0,
      ...(channels ? { channels } : {}),
      parameters: fmtp ? sdpTransform.parseParams(fmtp.config) : {},
    }];
  });
}

/** The router's codec this offered one is, if any (same rules as mediasoup's matching). */
function routerCodecFor(offered: OfferedCodec, capabilities: types.RtpCapabilities): types.RtpCodecCapability | undefined {
  return capabilities.codecs?.find((c) => {
    if (c.mimeType.toLowerCase() !== offered.mimeType.toLowerCase() || c.clockRate !== offered.clockRate) return false;
    const mime = c.mimeType.toLowerCase();
    if (mime === 'audio/opus') return (offered.channels ?? 2) === (c.channels ?? 2);
    if (mime === 'video/h264') {
      const mode = (p: Record<string, unknown> | undefined) => Number(p?.['packetization-mode'] ?? 0);
      return mode(offered.parameters) === mode(c.parameters) && isSameProfile(offered.parameters, c.parameters);
    }
    return !mime.endsWith('/rtx');
  });
}

function rtpParameters(m: MediaSection, mid: string, capabilities: types.RtpCapabilities): types.RtpParameters {
  const offered = offeredCodecs(m);
  // The router's order, not the client's: it puts first what can go on air (H.264), and
  // a WHIP encoder that offers VP8 before H.264 still lands on air (RFC 3264 lets the
  // answerer pick any offered codec).
  const media = (capabilities.codecs ?? []).filter((c) => c.kind === m.type)
    .map((rc) => offered.find((c) => !c.mimeType.toLowerCase().endsWith('/rtx') && routerCodecFor(c, capabilities) === rc))
    .find((c) => c !== undefined);
  if (!media) {
    const names = [...new Set(offered.filter((c) => !/\/(rtx|red|ulpfec|flexfec-03|telephone-event|cn)$/i.test(c.mimeType)).map(describe))];
    const wanted = m.type === 'audio' ? 'Opus' : 'H.264 (constrained baseline or main, packetization-mode 1) or VP8';
    throw new OfferError(`no codec Régie takes: offered ${names.join(', ') || 'none'}; send ${wanted}`);
  }
  const routerCodec = routerCodecFor(media, capabilities)!;
  const feedback = (pt: number) => (m.rtcpFb ?? [])
    .filter((f) => String(f.payload) === String(pt) || f.payload === '*')
    .map((f) => ({ type: f.type, ...(f.subtype ? { parameter: f.subtype } : {}) }))
    .filter((f) => routerCodec.rtcpFeedback?.some((r) => r.type === f.type && (r.parameter ?? '') === (f.parameter ?? '')));
  const codecs: types.RtpCodecParameters[] = [{
    mimeType: media.mimeType, payloadType: media.payloadType, clockRate: media.clockRate,
    ...(media.channels ? { channels: media.channels } : {}),
    parameters: media.parameters, rtcpFeedback: feedback(media.payloadType),
  }];
  const rtx = offered.find((c) => c.mimeType.toLowerCase() === `${m.type}/rtx` && Number(c.parameters.apt) === media.payloadType);
  if (rtx) codecs.push({ mimeType: rtx.mimeType, payloadType: rtx.payloadType, clockRate: rtx.clockRate, parameters: { apt: media.payloadType }, rtcpFeedback: [] });

  const headerExtensions = (m.ext ?? [])
    .filter((e) => capabilities.headerExtensions?.some((h) => h.kind === m.type && h.uri === e.uri))
    .map((e) => ({ uri: e.uri as types.RtpHeaderExtensionUri, id: e.value }));
  const hasMid = headerExtensions.some((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid');
  const hasRid = headerExtensions.some((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');

  const encodings = readEncodings(m, Boolean(rtx));
  if (encodings.every((e) => e.ssrc === undefined && e.rid === undefined) && !hasMid) {
    throw new OfferError('the section names no a=ssrc and negotiates no MID header extension: its packets could not be told apart');
  }
  if (encodings.some((e) => e.rid !== undefined) && !hasRid) {
    throw new OfferError('simulcast by RID needs the rtp-stream-id header extension (urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id)');
  }
  const cname = m.ssrcs?.find((s) => s.attribute === 'cname')?.value;
  return {
    mid, codecs, headerExtensions, encodings,
    rtcp: { ...(cname ? { cname: String(cname) } : {}), reducedSize: Boolean(m.rtcpRsize) },
  };
}

/** How the section's streams are told apart: RIDs (simulcast), else its SSRC (and RTX's), else the MID alone. */
function readEncodings(m: MediaSection, withRtx: boolean): types.RtpEncodingParameters[] {
  const sendRids = (m.rids ?? []).filter((r) => r.direction === 'send');
  if (sendRids.length > 0) {
    const listed = m.simulcast?.list1 ? simulcastRids(m.simulcast.list1) : sendRids.map((r) => String(r.id));
    const rids = sendRids.filter((r) => listed.includes(String(r.id)))
      .sort((a, b) => listed.indexOf(String(a.id)) - listed.indexOf(String(b.id)));
    return lowestFirst(rids).map((rid) => ({ rid }));
  }
  const ssrcs = [...new Set((m.ssrcs ?? []).map((s) => Number(s.id)))];
  if (ssrcs.length === 0) return [{}];
  const fid = (m.ssrcGroups ?? []).find((g) => g.semantics === 'FID')?.ssrcs.split(' ').map(Number);
  const ssrc = fid?.[0] ?? ssrcs[0]!;
  return [{ ssrc, ...(withRtx && fid?.[1] !== undefined ? { rtx: { ssrc: fid[1] } } : {}) }];
}

/**
 * Simulcast layers, lowest first (mediasoup's spatial layer 0). The order they are
 * listed in says nothing reliable: OBS lists 0;1;2 full resolution first, browsers list
 * their send encodings (q;h;f, r0;r1;r2) smallest first. So: by the limits each a=rid
 * states (max-width, max-height, max-br) when it has them, else by names whose order is
 * known, else the RFC 8853 reading (preference order, best first).
 */
function lowestFirst(rids: { id: number | string; params?: string }[]): string[] {
  const limit = (r: { params?: string }) => {
    const p = Object.fromEntries((r.params ?? '').split(';').map((kv) => kv.trim().split('=') as [string, string]));
    const size = Number(p['max-width'] ?? 0) * Number(p['max-height'] ?? 1) || Number(p['max-height'] ?? 0) || Number(p['max-fs'] ?? 0);
    return size || Number(p['max-br'] ?? 0);
  };
  const ids = rids.map((r) => String(r.id));
  const limits = rids.map(limit);
  if (limits.every((l) => l > 0)) return ids.map((id, i) => ({ id, l: limits[i]! })).sort((a, b) => a.l - b.l).map((r) => r.id);
  for (const known of [['q', 'h', 'f'], ['l', 'm', 'h'], ['low', 'mid', 'high']]) {
    if (ids.every((id) => known.includes(id.toLowerCase()))) return [...ids].sort((a, b) => known.indexOf(a.toLowerCase()) - known.indexOf(b.toLowerCase()));
  }
  if (ids.every((id) => /^r\d+$/.test(id))) return [...ids].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))); // mediasoup-client, Chrome: r0 smallest
  if (ids.every((id) => /^\d+$/.test(id))) return [...ids].sort((a, b) => Number(b) - Number(a)); // OBS: 0 is full resolution
  return [...ids].reverse();
}

/** "send 2;1;0" or "2;~1;0" → ['2','1','0'] (paused ones included, alternatives: the first). */
function simulcastRids(list: string): string[] {
  return list.replace(/^(send|recv)\s+/, '').split(';').map((alt) => alt.split(',')[0]!.replace(/^~/, '')).filter(Boolean);
}

function describe(c: OfferedCodec): string {
  const name = c.mimeType.split('/')[1]!;
  const profile = c.parameters['profile-level-id'];
  return profile ? `${name} (profile-level-id ${String(profile)})` : name;
}
