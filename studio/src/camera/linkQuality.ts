// The operator's connection indicator, from what the browser measures of its own
// uplink: loss and round-trip time reported back by the SFU (RTCP), and whether the
// encoder is being held back by the bandwidth estimate.
import type { RecoveryPhase } from './reconnect';

export type LinkQuality = 'good' | 'weak' | 'reconnecting' | 'offline';

export type UplinkSample = {
  /** what the camera sends, all layers, bits per second */
  bitrate: number;
  /** share of packets the SFU reports lost, 0..1 (worst layer) */
  loss: number;
  /** round-trip time to the SFU, seconds; undefined until RTCP says */
  rtt?: number;
  /** the encoder lowered its quality because the estimated bandwidth is short */
  bandwidthLimited: boolean;
};

export const WEAK = { loss: 0.05, rttSeconds: 0.4 };

export function linkQuality(phase: RecoveryPhase, online: boolean, sample?: UplinkSample): LinkQuality {
  // Sending and heard by the studio: that is what the operator needs to know, whatever
  // the browser's own "online" flag claims (it said "no network" while media flowed).
  if (phase !== 'steady') return online ? 'reconnecting' : 'offline';
  if (!sample) return 'good';
  if (sample.loss >= WEAK.loss || (sample.rtt ?? 0) >= WEAK.rttSeconds || sample.bandwidthLimited) return 'weak';
  return 'good';
}

/** What the operator reads next to the indicator. */
export function describeLink(quality: LinkQuality, sample?: UplinkSample): string {
  const numbers = sample ? ` · ${Math.round(sample.bitrate / 1000)} kbps · ${(sample.loss * 100).toFixed(0)}% loss${sample.rtt !== undefined ? ` · ${Math.round(sample.rtt * 1000)} ms` : ''}` : '';
  switch (quality) {
    case 'good': return `Good connection${numbers}`;
    case 'weak': return `Weak connection${numbers} — stay put or move closer to the signal`;
    case 'reconnecting': return 'Reconnecting by itself…';
    case 'offline': return 'No network — it will reconnect by itself when the network is back';
  }
}
