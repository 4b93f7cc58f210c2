// The SDP answer to an offer POSTed over HTTP — an encoder's (WHIP: Régie receives) or a
// player's (WHEP: Régie sends) — and the ICE-restart fragment of a PATCH (RFC 9725,
// RFC 8840). mediasoup's transport is ICE-lite and cannot trickle: every candidate is in
// the answer (OBS gathers nothing until it has one). Sections are answered in the offer's
// order; one Régie cannot serve is rejected with port 0 and left out of the bundle.
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { types } from 'mediasoup';
import type { TransportInfo } from '../../../shared/src/protocol.js';

type Candidate = NonNullable<MediaDescription['candidates']>[number];

/** What an answer is written from: the offer, and the RTP parameters of each section Régie takes (its producer's or consumer's). */
export type AnsweredOffer = {
  sdp: SessionDescription;
  dtlsParameters: types.DtlsParameters;
  localSetup: 'active' | 'passive';
  accepted: { index: number; mid: string; rtpParameters: types.RtpParameters }[];
};

/** recvonly: Régie receives (WHIP); sendonly: Régie sends (WHEP), and names its streams (SSRC, msid). */
export function writeAnswer(offer: AnsweredOffer, transport: TransportInfo, direction: 'recvonly' | 'sendonly' = 'recvonly'): string {
  const ice = transport.iceParameters as types.IceParameters;
  const dtls = transport.dtlsParameters as types.DtlsParameters;
  // The client's own hash function if Régie has one for it, else sha-256.
  const wanted = offer.dtlsParameters.fingerprints[0]!.algorithm;
  const fingerprint = dtls.fingerprints.find((f) => f.algorithm === wanted) ?? dtls.fingerprints.find((f) => f.algorithm === 'sha-256')!;
  const candidates = iceCandidates(transport.iceCandidates as types.IceCandidate[]);
  const acceptedMids = offer.accepted.map((t) => t.mid);

  const media = offer.sdp.media.map((m, index): MediaDescription => {
    const track = offer.accepted.find((t) => t.index === index);
    if (!track) {
      return {
        type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads,
        connection: { version: 4, ip: '0.0.0.0' },
        ...(m.mid !== undefined ? { mid: String(m.mid) } : {}),
        direction: 'inactive', rtp: [], fmtp: [],
      };
    }
    const { codecs, headerExtensions, encodings } = track.rtpParameters;
    const rids = encodings?.flatMap((e) => (e.rid ? [e.rid] : [])) ?? [];
    // Simulcast is answered in the offer's own order (OBS checks each of its layers is there).
    const offered = m.simulcast?.list1 ? m.simulcast.list1.replace(/^(send|recv)\s+/, '').split(';').map((alt) => alt.split(',')[0]!.replace(/^~/, '')) : rids;
    const inOfferOrder = offered.filter((r) => rids.includes(r));
    return {
      type: m.type, port: 9, protocol: 'UDP/TLS/RTP/SAVPF', payloads: codecs.map((c) => c.payloadType).join(' '),
      connection: { version: 4, ip: '0.0.0.0' },
      mid: track.mid,
      direction,
      iceUfrag: ice.usernameFragment, icePwd: ice.password,
      fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
      setup: offer.localSetup,
      rtcpMux: 'rtcp-mux',
      ...(track.rtpParameters.rtcp?.reducedSize ? { rtcpRsize: 'rtcp-rsize' } : {}),
      rtp: codecs.map((c) => ({ payload: c.payloadType, codec: c.mimeType.split('/')[1]!, rate: c.clockRate, ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}) })),
      fmtp: codecs.filter((c) => c.parameters && Object.keys(c.parameters).length > 0)
        .map((c) => ({ payload: c.payloadType, config: Object.entries(c.parameters!).map(([k, v]) => `${k}=${String(v)}`).join(';') })),
      rtcpFb: codecs.flatMap((c) => (c.rtcpFeedback ?? []).map((f) => ({ payload: c.payloadType, type: f.type, ...(f.parameter ? { subtype: f.parameter } : {}) }))),
      ext: (headerExtensions ?? []).map((e) => ({ value: e.id, uri: e.uri })),
      ...(rids.length > 0 ? {
        rids: inOfferOrder.map((id) => ({ id, direction: 'recv' })),
        simulcast: { dir1: 'recv', list1: inOfferOrder.join(';') },
      } : {}),
      ...(direction === 'sendonly' ? sentStreams(m.type, track.rtpParameters) : {}),
      candidates,
      endOfCandidates: 'end-of-candidates',
    };
  });

  const session: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: String(Date.now()), sessionVersion: 1, netType: 'IN', ipVer: 4, address: '127.0.0.1' },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    groups: [{ type: 'BUNDLE', mids: acceptedMids.join(' ') }],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media,
  };
  return sdpTransform.write(session);
}

/** PATCH's answer to an ICE restart: the new credentials and the same candidates (RFC 8840 fragment). */
export function writeIceRestartFragment(offer: AnsweredOffer, ice: types.IceParameters, transportCandidates: types.IceCandidate[]): string {
  const lines = ['a=ice-lite'];
  const candidates = iceCandidates(transportCandidates);
  for (const track of offer.accepted) {
    const m = offer.sdp.media[track.index]!;
    lines.push(`m=${m.type} 9 ${m.protocol} ${track.rtpParameters.codecs.map((c) => c.payloadType).join(' ')}`);
    lines.push(`a=mid:${track.mid}`, `a=ice-ufrag:${ice.usernameFragment}`, `a=ice-pwd:${ice.password}`);
    for (const c of candidates) {
      lines.push(`a=candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.ip} ${c.port} typ ${c.type}${c.tcptype ? ` tcptype ${c.tcptype}` : ''}`);
    }
    lines.push('a=end-of-candidates');
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A sending section's streams by SSRC (and RTX's, grouped), in one media stream: a player that does not read MIDs still finds them. */
function sentStreams(kind: string, rtp: types.RtpParameters): Pick<MediaDescription, 'ssrcs' | 'ssrcGroups' | 'msid'> {
  const cname = rtp.rtcp?.cname ?? 'regie';
  const msid = [{ id: 'regie-program', appdata: `regie-${kind}` }];
  const ssrcMsid = `regie-program regie-${kind}`;
  const ssrcs = (rtp.encodings ?? []).flatMap((e) => [e.ssrc, e.rtx?.ssrc]).filter((s): s is number => s !== undefined);
  const rtx = rtp.encodings?.[0]?.rtx?.ssrc;
  return {
    msid,
    ssrcs: ssrcs.flatMap((id) => [{ id, attribute: 'cname', value: cname }, { id, attribute: 'msid', value: ssrcMsid }]),
    ...(rtx !== undefined ? { ssrcGroups: [{ semantics: 'FID', ssrcs: `${rtp.encodings![0]!.ssrc} ${rtx}` }] } : {}),
  };
}

function iceCandidates(candidates: types.IceCandidate[]): Candidate[] {
  // UDP first: most encoders (OBS's libjuice) only speak ICE over UDP.
  return [...candidates].sort((a, b) => (a.protocol === b.protocol ? 0 : a.protocol === 'udp' ? -1 : 1)).map((c) => ({
    foundation: c.foundation, component: 1, transport: c.protocol, priority: c.priority,
    ip: c.address, port: c.port, type: c.type,
    ...(c.tcpType ? { tcptype: c.tcpType } : {}),
  }));
}
