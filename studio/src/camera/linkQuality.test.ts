import { describe, expect, it } from 'vitest';
import { describeLink, linkQuality } from './linkQuality';

const fine = { bitrate: 2_400_000, loss: 0, rtt: 0.04, bandwidthLimited: false };

describe('linkQuality', () => {
  it('is good on a clean uplink', () => {
    expect(linkQuality('steady', true, fine)).toBe('good');
  });
  it('is weak with loss, a long round trip, or a bandwidth-limited encoder', () => {
    expect(linkQuality('steady', true, { ...fine, loss: 0.08 })).toBe('weak');
    expect(linkQuality('steady', true, { ...fine, rtt: 0.6 })).toBe('weak');
    expect(linkQuality('steady', true, { ...fine, bandwidthLimited: true })).toBe('weak');
    expect(linkQuality('steady', true, { ...fine, loss: 0.01, rtt: 0.1 })).toBe('good');
  });
  it('is reconnecting while the media is being recovered, whatever the last numbers said', () => {
    for (const phase of ['waiting', 'restarting-ice', 'rejoining', 'joining'] as const) {
      expect(linkQuality(phase, true, fine)).toBe('reconnecting');
    }
  });
  it('is offline when the phone has no network and is not sending', () => {
    expect(linkQuality('rejoining', false)).toBe('offline');
    expect(linkQuality('waiting', false, fine)).toBe('offline');
  });
  it('follows what the page measures, not the browser\'s online flag: sending is sending', () => {
    expect(linkQuality('steady', false, fine)).toBe('good');
    expect(linkQuality('steady', false, { ...fine, loss: 0.2 })).toBe('weak');
  });
  it('says the numbers in words', () => {
    expect(describeLink('weak', { bitrate: 812_000, loss: 0.07, rtt: 0.45, bandwidthLimited: false }))
      .toBe('Weak connection · 812 kbps · 7% loss · 450 ms — stay put or move closer to the signal');
  });
});
