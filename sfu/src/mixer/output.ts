// Where a mixer's composed program comes back into mediasoup: a pair of producers (H.264
// + Opus) on comedia transports the mixer sends to. Each run has SSRCs of its own, so the
// switcher's splicer tells a new mixer's stream from the last one's.
import type { types } from 'mediasoup';
import { plainTransportIn } from '../media/plainTransports.js';
import type { Run } from '../process/Supervised.js';

export const OUTPUT_PT = { video: 96, audio: 100 } as const;

export type MixerOutput = {
  video: types.Producer;
  audio: types.Producer;
  /** what the mixer is told: where to send, with which payload types and SSRCs */
  config: { videoPort: number; audioPort: number; videoPt: number; videoSsrc: number; audioPt: number; audioSsrc: number };
};

export async function openMixerOutput(router: types.Router, run: Run): Promise<MixerOutput> {
  const videoT = await plainTransportIn(router, run);
  const audioT = await plainTransportIn(router, run);
  const videoSsrc = 0x10000000 + Math.floor(Math.random() * 0xe0000000);
  const audioSsrc = videoSsrc + 1;
  const video = await videoT.produce({
    kind: 'video',
    rtpParameters: {
      // Constrained baseline: what every browser decodes (the program monitor, WHEP viewers).
      codecs: [{ mimeType: 'video/H264', payloadType: OUTPUT_PT.video, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } }],
      encodings: [{ ssrc: videoSsrc }],
    },
    appData: { mixer: true },
  });
  const audio = await audioT.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: OUTPUT_PT.audio, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: audioSsrc }],
    },
    appData: { mixer: true },
  });
  return {
    video, audio,
    config: { videoPort: videoT.tuple.localPort, audioPort: audioT.tuple.localPort, videoPt: OUTPUT_PT.video, videoSsrc, audioPt: OUTPUT_PT.audio, audioSsrc },
  };
}
