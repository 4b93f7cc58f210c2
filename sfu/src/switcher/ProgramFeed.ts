// The program as mediasoup sees it, on one router: a pair of producers (H.264 + Opus)
// fed by the splicers through a DirectTransport, and a DirectTransport that taps each
// source. Built again on another router when that router's worker dies.
import type { types } from 'mediasoup';

export const PROGRAM_VIDEO = { ssrc: 0x5e61e001, payloadType: 125, clockRate: 90000 } as const;
export const PROGRAM_AUDIO = { ssrc: 0x5e61e002, payloadType: 100, clockRate: 48000 } as const;

export type ProgramFeed = {
  router: types.Router;
  /** consumes every source (one consumer per source and kind) */
  tap: types.DirectTransport;
  /** produces the program */
  feed: types.DirectTransport;
  video: types.Producer;
  audio: types.Producer;
};

export async function createProgramFeed(router: types.Router): Promise<ProgramFeed> {
  const tap = await router.createDirectTransport();
  const feed = await router.createDirectTransport();
  const video = await feed.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{
        mimeType: 'video/H264', payloadType: PROGRAM_VIDEO.payloadType, clockRate: PROGRAM_VIDEO.clockRate,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        // With PLI feedback declared, downstream keyframe requests reach us as 'rtcp'.
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      }],
      encodings: [{ ssrc: PROGRAM_VIDEO.ssrc }],
    },
    appData: { program: true },
  });
  const audio = await feed.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: PROGRAM_AUDIO.payloadType, clockRate: PROGRAM_AUDIO.clockRate, channels: 2, parameters: { useinbandfec: 1 } }],
      encodings: [{ ssrc: PROGRAM_AUDIO.ssrc }],
    },
    appData: { program: true },
  });
  return { router, tap, feed, video, audio };
}
