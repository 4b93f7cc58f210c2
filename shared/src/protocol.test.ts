import { describe, expect, it } from 'vitest';
import { cameraRequests, directorRequests, inviteLink } from './protocol.js';

const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF:01:23:45:67:89' }] };
const rtp = {
  mid: '0',
  codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1 }, rtcpFeedback: [{ type: 'nack' }] }],
  encodings: [{ rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 200000 }, { rid: 'r1' }, { rid: 'r2' }],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
  rtcp: { cname: 'abc', reducedSize: true },
};

describe('protocol schemas', () => {
  it('accept what mediasoup-client sends', () => {
    expect(cameraRequests['transport:connect'].safeParse({ transportId: 't1', dtlsParameters: dtls }).success).toBe(true);
    expect(cameraRequests.produce.safeParse({ transportId: 't1', kind: 'video', rtpParameters: rtp }).success).toBe(true);
  });

  it('refuse the wrong shapes, out-of-range numbers and oversized input', () => {
    const bad = [
      cameraRequests.produce.safeParse({ transportId: 't1', kind: 'data', rtpParameters: rtp }),
      cameraRequests.produce.safeParse({ transportId: 't1', kind: 'video', rtpParameters: { codecs: [] } }),
      cameraRequests.produce.safeParse({ transportId: 't1', kind: 'video', rtpParameters: { ...rtp, codecs: [{ ...rtp.codecs[0], payloadType: 300 }] } }),
      cameraRequests['transport:connect'].safeParse({ transportId: 't1', dtlsParameters: { fingerprints: [{ algorithm: 'md5', value: 'AB' }] } }),
      cameraRequests.report.safeParse({ width: -1, height: 720, fps: 30 }),
      directorRequests['slot:create'].safeParse({ name: '   ' }),
      directorRequests['slot:create'].safeParse({ name: 'x'.repeat(61) }),
      directorRequests['slot:delete'].safeParse({ slotId: '../../etc' }),
      directorRequests['transport:create'].safeParse({ routerId: 'x'.repeat(65) }),
      cameraRequests.status.safeParse({ micMuted: false, quality: { height: 4320, fps: 30 }, torch: false }),
      cameraRequests.status.safeParse({ paused: 'asleep', micMuted: false, quality: { height: 720, fps: 30 }, torch: false }),
      cameraRequests.status.safeParse({ micMuted: 'no', quality: { height: 720, fps: 30 }, torch: false }),
      cameraRequests['transport:restartIce'].safeParse({}),
      directorRequests['camera:setQuality'].safeParse({ slotId: 'aaaaaaaaaaaa', quality: { height: 720, fps: 60 } }),
    ];
    for (const r of bad) expect(r.success).toBe(false);
  });

  it('accept a camera status and a quality request in range', () => {
    expect(cameraRequests.status.safeParse({ paused: 'background', micMuted: true, quality: { height: 480, fps: 15 }, torch: false }).success).toBe(true);
    expect(directorRequests['camera:setQuality'].safeParse({ slotId: 'aaaaaaaaaaaa', quality: { height: 1080, fps: 25 } }).success).toBe(true);
  });

  it('trims slot names', () => {
    expect(directorRequests['slot:create'].parse({ name: '  Trocadéro ' })).toEqual({ name: 'Trocadéro' });
  });

  it('put the invite token in the URL fragment, which browsers never send to the server', () => {
    const url = new URL(inviteLink('https://192.168.1.20:8443', 'TOKEN'));
    expect(url.pathname).toBe('/camera');
    expect(url.search).toBe('');
    expect(url.hash).toBe('#token=TOKEN');
  });
});
