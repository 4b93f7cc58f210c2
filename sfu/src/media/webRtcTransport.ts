// What every WebRTC transport shares, for cameras (send) and directors (receive).
import type { types } from 'mediasoup';
import type { TransportInfo } from '../../../shared/src/protocol.js';

/** Options shared by every WebRTC transport: ICE over the worker's WebRtcServer. */
export function webRtcTransportOptions(webRtcServer: types.WebRtcServer): types.WebRtcTransportOptions {
  return {
    webRtcServer,
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    // Default is 30 s; a phone that vanished should be noticed sooner.
    iceConsentTimeout: 15,
    initialAvailableOutgoingBitrate: 1_000_000,
  };
}

/** What a browser needs to create its side of the transport. */
export function transportInfo(transport: types.WebRtcTransport): TransportInfo {
  return {
    transportId: transport.id,
    iceParameters: transport.iceParameters,
    iceCandidates: transport.iceCandidates,
    dtlsParameters: transport.dtlsParameters,
  };
}
