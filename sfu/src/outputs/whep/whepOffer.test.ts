// A player's WHEP offer read into what it can decode, payload types as it numbered them.
import { describe, expect, it } from 'vitest';
import { OfferError } from '../../media/sdpOffer.js';
import { readViewerOffer } from './whepOffer.js';

const FP = 'sha-256 4F:90:0B:2C:8D:1E:6A:53:9C:77:31:0E:A2:4B:5D:C6:11:8F:E0:29:73:BA:4C:D5:6E:0F:91:A8:32:7B:C4:D2';
/** As Chromium writes a recvonly offer (trimmed): VP8 first, H.264 at 102 with RTX at 103, Opus at 111. */
const CHROMIUM = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2', 'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103', 'c=IN IP4 0.0.0.0', 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdefghijklmn',
  `a=fingerprint:${FP}`, 'a=setup:actpass', 'a=mid:0', 'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=recvonly', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 transport-cc', 'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=rtcp-fb:102 nack', 'a=rtcp-fb:102 nack pli', 'a=rtcp-fb:102 transport-cc',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=recvonly', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=sctp-port:5000',
  '',
].join('\r\n');

describe('reading a WHEP offer', () => {
  it('each section the player receives, with its codecs numbered as offered, no header extensions and no transport-cc', () => {
    const offer = readViewerOffer(CHROMIUM);
    expect(offer.localSetup).toBe('passive');
    expect(offer.sections.map((s) => [s.mid, s.kind])).toEqual([['0', 'video'], ['1', 'audio']]);
    const video = offer.sections[0]!.rtpCapabilities;
    expect(video.codecs!.map((c) => [c.mimeType, c.preferredPayloadType])).toEqual([['video/VP8', 96], ['video/rtx', 97], ['video/H264', 102], ['video/rtx', 103]]);
    expect(video.codecs![2]!.rtcpFeedback!.map((f) => f.type)).toEqual(['nack', 'nack']);
    expect(video.headerExtensions).toEqual([]);
    expect(offer.rejected).toEqual([{ index: 2, reason: expect.stringMatching(/not application/) }]);
  });

  it('refuses an offer that asks for nothing the program has (422), and what is not SDP (400)', () => {
    const refuse = (text: string) => {
      try {
        readViewerOffer(text);
      } catch (err) {
        return err instanceof OfferError ? err.status : 'other';
      }
      return 'accepted';
    };
    expect(refuse(CHROMIUM.replaceAll('a=recvonly', 'a=sendonly'))).toBe(422);
    expect(refuse('not sdp')).toBe(400);
    expect(refuse(CHROMIUM.replace(`a=fingerprint:${FP}\r\n`, ''))).toBe(400);
  });
});
