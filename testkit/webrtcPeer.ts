// What the WHIP camera and the WHEP player of the tests and the bench share: a real
// WebRTC stack in Node (werift, pure TypeScript) set up for H.264 + Opus on loopback,
// and the HTTP requests WHIP and WHEP clients make.
import { request } from 'node:https';
import { RTCPeerConnection, RTCRtpCodecParameters, useSdesMid } from 'werift';

export type HttpResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

const REQUEST_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 20_000;

/** One HTTP request to Régie, as a WHIP or WHEP client makes it (its certificate is self-signed in tests). */
export function whipRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, rejectUnauthorized: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const H264 = new RTCRtpCodecParameters({
  mimeType: 'video/H264', clockRate: 90000, payloadType: 96,
  rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
  parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
});
const OPUS = new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 });

/** A peer connection that speaks H.264 and Opus, and finds loopback. */
export function newPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: { video: [H264], audio: [OPUS] },
    headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    // Tests run in a network namespace with only loopback, which werift skips by default.
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  });
}

/** Makes the offer and waits for ICE gathering: WHIP and WHEP offers carry their candidates. */
export async function gatheredOffer(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') resolve(); }));
  }
  return pc.localDescription!.sdp;
}

/** Resolves when the connection is up (ICE + DTLS); rejects if it fails, closes or takes too long. */
export function connected(pc: RTCPeerConnection, who: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${who}'s connection was not up within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') resolve();
      else if (s === 'failed' || s === 'closed') reject(new Error(`the ${who}'s connection ${s}`));
      else return;
      clearTimeout(timer);
    });
  });
}
