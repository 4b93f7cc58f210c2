import type { Device } from 'mediasoup-client';
import { describe, expect, it } from 'vitest';
import { pickVideoCodec } from './publisher';

const device = (mimeTypes: string[]) => ({
  rtpCapabilities: { codecs: mimeTypes.map((mimeType) => ({ kind: mimeType.split('/')[0], mimeType, clockRate: 90000 })) },
}) as unknown as Device;

describe('pickVideoCodec', () => {
  it('prefers H.264, which phones encode in hardware', () => {
    expect(pickVideoCodec(device(['audio/opus', 'video/VP8', 'video/H264']))?.mimeType).toBe('video/H264');
  });
  it('falls back to VP8 where the browser has no H.264', () => {
    expect(pickVideoCodec(device(['audio/opus', 'video/VP9', 'video/VP8']))?.mimeType).toBe('video/VP8');
  });
  it('finds nothing when neither is there', () => {
    expect(pickVideoCodec(device(['audio/opus', 'video/AV1']))).toBeUndefined();
  });
});
