// RTP between mediasoup and a local process (ffmpeg, the mixer), on 127.0.0.1 only.
// Into mediasoup: a comedia PlainTransport learns the process's address from its first
// packets. Out of mediasoup: the transport sends to ports the process listens on.
// Either way the transport belongs to a supervised run: its router's death ends the run.
import { createSocket } from 'node:dgram';
import type { types } from 'mediasoup';
import type { Run } from '../process/Supervised.js';

/** A transport a local process sends RTP into (a producer goes on it). */
export async function plainTransportIn(router: types.Router, run: Run): Promise<types.PlainTransport> {
  // RTCP on its own port: ffmpeg sends it from another socket than RTP; with RTCP muxed,
  // comedia latched onto the RTCP socket and dropped the RTP.
  const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  run.own(() => t.close());
  t.on('routerclose', () => run.fail('its router closed'));
  return t;
}

/**
 * A transport that sends RTP to a local process listening on `port` (RTCP to `port + 1`).
 * `owned: false`: the caller closes it (one of many made and closed during a long run).
 */
export async function plainTransportOut(router: types.Router, run: Run, port: number, { owned = true } = {}): Promise<types.PlainTransport> {
  const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
  if (owned) run.own(() => t.close());
  t.on('routerclose', () => run.fail('its router closed'));
  try {
    await t.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
  } catch (err) {
    t.close(); // (not owned: nobody else would)
    throw err;
  }
  return t;
}

/**
 * What a local process can take from a consumer: the router's codecs without RTX (it
 * sends no NACK; one payload type a port), and no congestion control (transport-cc,
 * REMB, abs-send-time): it sends no feedback, so mediasoup would probe it with padding
 * packets (payload type 127, which GStreamer's jitter buffer refused) and hold a
 * simulcast camera to the layers that fit its initial estimate.
 */
export function plainConsumerCapabilities(router: types.Router): types.RtpCapabilities {
  const bwe = new Set(['transport-cc', 'goog-remb']);
  const caps = router.rtpCapabilities;
  return {
    codecs: (caps.codecs ?? [])
      .filter((c) => !c.mimeType.toLowerCase().endsWith('/rtx'))
      .map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => !bwe.has(f.type)) })),
    headerExtensions: (caps.headerExtensions ?? []).filter((h) => !/transport-wide-cc|abs-send-time/.test(h.uri)),
  };
}

/** Two free consecutive UDP ports (RTP, RTCP) on loopback, the first even. */
export async function freeRtpPorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 10000);
    const ok = await Promise.all([port, port + 1].map((p) => new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1 for a local media process');
}
