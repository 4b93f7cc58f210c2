// Where a mixer's composed program comes back into mediasoup: a pair of producers (H.264
// + Opus) on comedia transports the mixer sends to, and a third for its preview (the
// shot in preview as it will go on air, for the director's preview monitor). Each run
// has SSRCs of its own, so the switcher's splicer tells a new mixer's stream from the
// last one's.
import type { types } from 'mediasoup';
import { plainTransportIn } from '../media/plainTransports.js';
import type { OutputFormat } from '../outputFormat.js';
import type { Run } from '../process/Supervised.js';

export const OUTPUT_PT = { video: 96, audio: 100 } as const;

/**
 * The preview: a monitor's picture, not a broadcast's — at most 480 wide, 15 frames a
 * second. Measured here (720p program, a 720p camera in preview), what composing and
 * encoding it costs the mixer more, in % of one core: 14–27 at 640 wide and 30 fps,
 * 9–13 at 640 and 15 fps, 5–7 at 480 and 15 fps (and a full bench run at 640/15 had
 * every latency up by about 100 ms, on two cores shared with the cameras' browsers).
 */
const PREVIEW_MAX_WIDTH = 480;
const PREVIEW_FPS = 15;
const PREVIEW_KBPS = 500;

export type PreviewConfig = { width: number; height: number; fps: number; videoKbps: number; port: number; pt: number; ssrc: number };

export type MixerOutput = {
  video: types.Producer;
  audio: types.Producer;
  preview: types.Producer;
  /** what the mixer is told: where to send, with which payload types and SSRCs */
  config: { videoPort: number; audioPort: number; videoPt: number; videoSsrc: number; audioPt: number; audioSsrc: number };
  previewConfig: PreviewConfig;
};

/** The preview's size: the program's shape, at most PREVIEW_MAX_WIDTH wide (even numbers, as H.264 wants). */
export function previewSize(format: Pick<OutputFormat, 'width' | 'height'>): { width: number; height: number } {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  const width = even(Math.min(format.width, PREVIEW_MAX_WIDTH));
  return { width, height: even((width * format.height) / format.width) };
}

// Constrained baseline: what every browser decodes (the program monitor, WHEP viewers).
const h264 = { mimeType: 'video/H264', payloadType: OUTPUT_PT.video, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } };

export async function openMixerOutput(router: types.Router, run: Run, format: OutputFormat): Promise<MixerOutput> {
  const videoT = await plainTransportIn(router, run);
  const audioT = await plainTransportIn(router, run);
  const previewT = await plainTransportIn(router, run);
  const videoSsrc = 0x10000000 + Math.floor(Math.random() * 0xe0000000);
  const audioSsrc = videoSsrc + 1;
  const previewSsrc = videoSsrc + 2;
  const video = await videoT.produce({
    kind: 'video',
    rtpParameters: { codecs: [h264], encodings: [{ ssrc: videoSsrc }] },
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
  const preview = await previewT.produce({
    kind: 'video',
    rtpParameters: { codecs: [h264], encodings: [{ ssrc: previewSsrc }] },
    appData: { mixer: true, preview: true },
  });
  return {
    video, audio, preview,
    config: { videoPort: videoT.tuple.localPort, audioPort: audioT.tuple.localPort, videoPt: OUTPUT_PT.video, videoSsrc, audioPt: OUTPUT_PT.audio, audioSsrc },
    previewConfig: { ...previewSize(format), fps: Math.min(PREVIEW_FPS, format.fps), videoKbps: PREVIEW_KBPS, port: previewT.tuple.localPort, pt: OUTPUT_PT.video, ssrc: previewSsrc },
  };
}
