// WHIP offers as different encoders write them, read into mediasoup producers on a real
// worker (mediasoup itself judges the parameters), and the answers Régie writes back.
import fc from 'fast-check';
import sdpTransform from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.js';
import { WorkerPool } from '../../media/WorkerPool.js';
import { webRtcTransportOptions } from '../../media/webRtcTransport.js';
import { transportInfo } from '../../media/webRtcTransport.js';
import { readOffer, OfferError, type ReadOffer } from './whipOffer.js';
import { writeAnswer, writeIceRestartFragment } from '../../media/sdpAnswer.js';

const FP = 'sha-256 4F:90:0B:2C:8D:1E:6A:53:9C:77:31:0E:A2:4B:5D:C6:11:8F:E0:29:73:BA:4C:D5:6E:0F:91:A8:32:7B:C4:D2';

/** As OBS 30+ writes it (libdatachannel): ICE, setup and fingerprint at the session level, no candidates, audio without extmap. */
const OBS = [
  'v=0', 'o=rtc 3207318311 0 IN IP4 127.0.0.1', 's=-', 't=0 0',
  'a=group:BUNDLE 0 1', 'a=group:LS 0 1', 'a=msid-semantic:WMS *',
  'a=setup:actpass', 'a=ice-ufrag:Zq1n', 'a=ice-pwd:6Dm0QXWSMcqxFVkH8tDk7A', 'a=ice-options:ice2,trickle', `a=fingerprint:${FP}`,
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendonly', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1',
  'a=ssrc:3055411478 cname:obs', 'a=ssrc:3055411478 msid:obs obs-audio',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendonly', 'a=rtcp-mux',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  'a=rtpmap:96 H264/90000', 'a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
  'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=rtcp-fb:96 ccm fir', 'a=rtcp-fb:96 goog-remb',
  'a=ssrc:3055411479 cname:obs', 'a=ssrc:3055411479 msid:obs obs-video',
  '',
].join('\r\n');

/** OBS 32 simulcast: RIDs, best first, and no SSRC at all. */
const OBS_SIMULCAST = OBS
  .replace('a=ssrc:3055411479 cname:obs\r\na=ssrc:3055411479 msid:obs obs-video\r\n', 'a=rid:0 send\r\na=rid:1 send\r\na=rid:2 send\r\na=simulcast:send 0;1;2\r\n');

/** As a browser-like stack writes it (GStreamer webrtcbin, Chrome): VP8 first, RTX, transport-cc, candidates per section, a data channel. */
const BROWSER_LIKE = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE v a d', 'a=msid-semantic: WMS s',
  'm=video 50000 UDP/TLS/RTP/SAVPF 96 97 102 103', 'c=IN IP4 127.0.0.1',
  'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdefghijklmn', `a=fingerprint:${FP}`, 'a=setup:actpass', 'a=mid:v', 'a=sendonly',
  'a=rtcp-mux', 'a=rtcp-rsize',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:9 urn:example:not-known',
  'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 transport-cc', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtcp-fb:102 transport-cc', 'a=rtcp-fb:102 nack', 'a=rtcp-fb:102 nack pli', 'a=rtcp-fb:102 ccm fir', 'a=rtcp-fb:102 x-unknown',
  'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102',
  'a=ssrc-group:FID 1111 2222', 'a=ssrc:1111 cname:gst', 'a=ssrc:2222 cname:gst',
  'm=audio 50000 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1',
  'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdefghijklmn', `a=fingerprint:${FP}`, 'a=setup:actpass', 'a=mid:a', 'a=sendonly', 'a=rtcp-mux',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=extmap:10 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=ssrc:3333 cname:gst',
  'm=application 50000 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 127.0.0.1', 'a=mid:d', 'a=sctp-port:5000',
  '',
].join('\r\n');

const log = createLogger('silent');
let pool: WorkerPool;
beforeAll(async () => {
  pool = await WorkerPool.create(1, { listenIp: '127.0.0.1', port: 0 }, log);
});
afterAll(() => pool?.close());

/** The offer's producers made for real on a mediasoup transport: mediasoup refuses what it cannot receive. */
async function produceAll(offer: ReadOffer) {
  const { router, webRtcServer } = pool.pick();
  const transport = await router.createWebRtcTransport(webRtcTransportOptions(webRtcServer));
  await transport.connect({ dtlsParameters: offer.dtlsParameters });
  const producers = [];
  for (const t of offer.accepted) producers.push(await transport.produce({ kind: t.kind, rtpParameters: t.rtpParameters }));
  return { transport, producers };
}

const expectOfferError = (text: string, status: number, message: RegExp) => {
  let caught: unknown;
  try {
    readOffer(text, pool.rtpCapabilities);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(OfferError);
  expect((caught as OfferError).status).toBe(status);
  expect((caught as OfferError).message).toMatch(message);
};

describe('reading a WHIP offer', () => {
  it('OBS: session-level DTLS, Opus by SSRC without extmap, H.264 by SSRC; mediasoup takes both', async () => {
    const offer = readOffer(OBS, pool.rtpCapabilities);
    expect(offer.dtlsParameters).toEqual({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP.split(' ')[1] }] });
    expect(offer.localSetup).toBe('passive');
    expect(offer.accepted.map((t) => [t.mid, t.kind, t.rtpParameters.codecs[0]!.mimeType, t.rtpParameters.encodings])).toEqual([
      ['0', 'audio', 'audio/opus', [{ ssrc: 3055411478 }]],
      ['1', 'video', 'video/H264', [{ ssrc: 3055411479 }]],
    ]);
    const video = offer.accepted[1]!.rtpParameters;
    expect(video.rtcp).toEqual({ cname: 'obs', reducedSize: false });
    expect(video.codecs[0]!.rtcpFeedback).toEqual([{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }]);
    const { transport, producers } = await produceAll(offer);
    expect(producers.map((p) => p.kind)).toEqual(['audio', 'video']);
    transport.close();
  });

  it('OBS simulcast: RIDs best first become mediasoup encodings lowest first', async () => {
    const offer = readOffer(OBS_SIMULCAST, pool.rtpCapabilities);
    expect(offer.accepted[1]!.rtpParameters.encodings).toEqual([{ rid: '2' }, { rid: '1' }, { rid: '0' }]);
    const { transport, producers } = await produceAll(offer);
    expect(producers[1]!.rtpParameters.encodings).toHaveLength(3);
    transport.close();
  });

  it('a browser-like offer: H.264 chosen over the VP8 listed first (it can go on air), its RTX by FID, only known extensions and feedback, the data channel refused', async () => {
    const offer = readOffer(BROWSER_LIKE, pool.rtpCapabilities);
    const video = offer.accepted.find((t) => t.kind === 'video')!.rtpParameters;
    expect(video.codecs.map((c) => [c.mimeType, c.payloadType, c.parameters?.apt])).toEqual([['video/H264', 102, undefined], ['video/rtx', 103, 102]]);
    expect(video.encodings).toEqual([{ ssrc: 1111, rtx: { ssrc: 2222 } }]);
    expect(video.headerExtensions!.map((e) => e.id)).toEqual([4, 3]);
    expect(video.codecs[0]!.rtcpFeedback!.map((f) => f.type)).not.toContain('x-unknown');
    expect(video.rtcp?.reducedSize).toBe(true);
    expect(offer.rejected).toEqual([{ index: 2, mid: 'd', kind: 'application', reason: expect.stringMatching(/audio and video/) }]);
    const { transport } = await produceAll(offer);
    transport.close();
  });

  it('a bundle-only section with port 0 (webrtcbin, RFC 9725\'s example) rides the bundle and is taken', async () => {
    const bundleOnly = OBS.replace('m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=video 0 UDP/TLS/RTP/SAVPF 96').replace('a=mid:1\r\n', 'a=mid:1\r\na=bundle-only\r\n');
    const offer = readOffer(bundleOnly, pool.rtpCapabilities);
    expect(offer.accepted.map((t) => t.kind)).toEqual(['audio', 'video']);
    const { transport } = await produceAll(offer);
    expect(sdpTransform.parse(writeAnswer(offer, transportInfo(transport))).media.map((m) => m.port)).toEqual([9, 9]);
    transport.close();
    // outside the bundle, port 0 is a disabled section
    expect(readOffer(bundleOnly.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0'), pool.rtpCapabilities).rejected[0]!.reason).toMatch(/disabled/);
  });

  it('simulcast layers are put lowest first whatever order they are listed in: by their limits, by known names', () => {
    const layers = (rids: string, simulcast: string) => {
      const text = OBS.replace('a=ssrc:3055411479 cname:obs\r\na=ssrc:3055411479 msid:obs obs-video\r\n', `${rids}a=simulcast:send ${simulcast}\r\n`);
      return readOffer(text, pool.rtpCapabilities).accepted[1]!.rtpParameters.encodings!.map((e) => e.rid);
    };
    // a browser's sendEncodings order: smallest first
    expect(layers('a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n', 'q;h;f')).toEqual(['q', 'h', 'f']);
    expect(layers('a=rid:r0 send\r\na=rid:r1 send\r\na=rid:r2 send\r\n', 'r0;r1;r2')).toEqual(['r0', 'r1', 'r2']);
    // limits say more than names
    expect(layers('a=rid:a send max-width=1280;max-height=720\r\na=rid:b send max-width=320;max-height=180\r\na=rid:c send max-width=640;max-height=360\r\n', 'a;b;c'))
      .toEqual(['b', 'c', 'a']);
    // nothing known: RFC 8853's preference order, best first
    expect(layers('a=rid:x send\r\na=rid:y send\r\n', 'x;y')).toEqual(['y', 'x']);
  });

  it('VP8 alone (Firefox, some Android encoders) is taken, as from a browser', async () => {
    const vp8 = BROWSER_LIKE.replace('96 97 102 103', '96 97').replace(/a=rtpmap:102[^]*?a=fmtp:103 apt=102\r\n/, '');
    const offer = readOffer(vp8, pool.rtpCapabilities);
    expect(offer.accepted.find((t) => t.kind === 'video')!.rtpParameters.codecs[0]!.mimeType).toBe('video/VP8');
  });

  it('a client that must be the DTLS server (setup:passive) gets Régie as client', () => {
    const offer = readOffer(OBS.replace('a=setup:actpass', 'a=setup:passive'), pool.rtpCapabilities);
    expect(offer.dtlsParameters.role).toBe('server');
    expect(offer.localSetup).toBe('active');
  });

  it('a section Régie cannot take is rejected alone, with its reason; a second video is refused', () => {
    const h265 = OBS.replace('a=rtpmap:96 H264/90000', 'a=rtpmap:96 H265/90000').replace(/a=fmtp:96 [^\r]*/, 'a=fmtp:96 profile-id=1');
    const offer = readOffer(h265, pool.rtpCapabilities);
    expect(offer.accepted.map((t) => t.kind)).toEqual(['audio']);
    expect(offer.rejected[0]!.reason).toMatch(/no codec Régie takes: offered H265; send H\.264/);
    const twice = BROWSER_LIKE.replace('a=group:BUNDLE v a d', 'a=group:BUNDLE v a w')
      .replace('m=application 50000 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\na=mid:d\r\na=sctp-port:5000\r\n',
        'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:w\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\na=ssrc:5 cname:x\r\n');
    expect(readOffer(twice, pool.rtpCapabilities).rejected[0]!.reason).toMatch(/second one/);
  });

  it('refuses what is not an offer Régie can answer, saying why (never a crash)', () => {
    expectOfferError('hello', 400, /not an SDP offer/);
    expectOfferError('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', 400, /no media section/);
    expectOfferError(OBS.replace(`a=fingerprint:${FP}\r\n`, ''), 400, /no a=fingerprint/);
    expectOfferError(OBS.replace('a=fingerprint:sha-256', 'a=fingerprint:md5'), 400, /md5.*sha-256/);
    expectOfferError(OBS.replace('a=setup:actpass', 'a=setup:holdconn'), 400, /not a DTLS role/);
    expectOfferError(OBS.replaceAll('a=sendonly', 'a=recvonly'), 422, /recvonly: a WHIP client sends/);
    const h265only = OBS.replace('a=rtpmap:96 H264/90000', 'a=rtpmap:96 H265/90000').replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 PCMU/8000');
    expectOfferError(h265only, 422, /nothing in the offer can be received: audio \(mid 0\): no codec.*PCMU.*video \(mid 1\): no codec.*H265/);
    expectOfferError(OBS.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0'), 400, /BUNDLE lacks mid 1/);
    // no SSRC and no MID extension: its packets could not be routed
    expectOfferError(OBS.replace(/a=ssrc:3055411479[^\r]*\r\n/g, '').replace(/a=extmap:1 [^\r]*\r\n/, '').replace(/m=audio[^]*?m=video/, 'm=video').replace('BUNDLE 0 1', 'BUNDLE 1'), 422, /no a=ssrc/);
  });

  it('never throws anything but an OfferError on offers with lines dropped, repeated or swapped', () => {
    const fixtures = [OBS, OBS_SIMULCAST, BROWSER_LIKE].map((t) => t.split('\r\n'));
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.array(fc.tuple(fc.constantFrom('drop', 'repeat', 'swap'), fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }),
      (which, edits) => {
        const lines = [...fixtures[which]!];
        for (const [op, a, b] of edits) {
          const i = a % lines.length;
          const j = b % lines.length;
          if (op === 'drop') lines.splice(i, 1);
          else if (op === 'repeat') lines.splice(j, 0, lines[i]!);
          else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        }
        try {
          readOffer(lines.join('\r\n'), pool.rtpCapabilities);
        } catch (err) {
          if (!(err instanceof OfferError)) throw err;
        }
      },
    ), { numRuns: 2000 });
  });

  it('never throws anything but an OfferError on mangled offers', () => {
    const lines = OBS.split('\r\n');
    for (let i = 1; i < lines.length; i++) {
      for (const mangle of [(l: string) => l.slice(0, 5), (l: string) => `${l} x y z`, () => 'a=rtpmap:abc', () => 'm=video x y']) {
        const text = [...lines.slice(0, i), mangle(lines[i]!), ...lines.slice(i + 1)].join('\r\n');
        try {
          readOffer(text, pool.rtpCapabilities);
        } catch (err) {
          expect(err, `line ${i}: ${lines[i]}`).toBeInstanceOf(OfferError);
        }
      }
    }
  });
});

describe('the answer', () => {
  it('is ICE-lite, recvonly, Régie passive, with every candidate and the offer\'s sections in order (refused ones with port 0)', async () => {
    const offer = readOffer(BROWSER_LIKE, pool.rtpCapabilities);
    const { transport } = await produceAll(offer);
    const answer = sdpTransform.parse(writeAnswer(offer, transportInfo(transport)));
    expect(answer.icelite).toBe('ice-lite');
    expect(answer.groups).toEqual([{ type: 'BUNDLE', mids: 'v a' }]);
    expect(answer.media.map((m) => [m.type, m.mid, m.port, m.direction])).toEqual([
      ['video', 'v', 9, 'recvonly'], ['audio', 'a', 9, 'recvonly'], ['application', 'd', 0, 'inactive'],
    ]);
    const video = answer.media[0]!;
    expect(video.setup).toBe('passive');
    expect(video.iceUfrag).toBe(transport.iceParameters.usernameFragment);
    expect(video.fingerprint!.type).toBe('sha-256');
    expect(video.candidates!.map((c) => c.transport)).toEqual(['udp', 'tcp']);
    expect(video.candidates![0]!.ip).toBe('127.0.0.1');
    expect(video.payloads).toBe('102 103');
    expect(video.fmtp!.find((f) => f.payload === 103)!.config).toBe('apt=102');
    expect(video.ext!.map((e) => e.uri)).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    transport.close();
  });

  it('echoes simulcast as recv in the offer\'s order, every layer accepted (OBS aborts otherwise)', async () => {
    const offer = readOffer(OBS_SIMULCAST, pool.rtpCapabilities);
    const { transport } = await produceAll(offer);
    const text = writeAnswer(offer, transportInfo(transport));
    expect(text).toContain('a=simulcast:recv 0;1;2\r\n');
    expect(text).toMatch(/a=rid:0 recv\r\na=rid:1 recv\r\na=rid:2 recv\r\n/);
    transport.close();
  });

  it('an ICE restart fragment carries the new credentials, ice-lite and the candidates', async () => {
    const offer = readOffer(OBS, pool.rtpCapabilities);
    const { transport } = await produceAll(offer);
    const ice = await transport.restartIce();
    const fragment = writeIceRestartFragment(offer, ice, transport.iceCandidates);
    expect(fragment.startsWith('a=ice-lite\r\n')).toBe(true);
    expect(fragment).toContain(`a=ice-ufrag:${ice.usernameFragment}\r\n`);
    expect(fragment.match(/^a=candidate:/gm)).toHaveLength(4); // udp + tcp, in each of the two sections
    transport.close();
  });
});
