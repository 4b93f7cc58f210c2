// The camera page's side of publishing: one send transport, a video producer
// (H.264 preferred for phones' hardware encoders, VP8 otherwise, simulcast so the
// multiview can take a small layer) and an Opus audio producer.
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';
import type { CameraResponses } from '../../../shared/src/protocol';
import { makeRequester } from '../lib/request';

// Three layers: quarter size for the multiview, half, and full for the program.
const SIMULCAST: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 700_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
];
const REPORT_INTERVAL_MS = 2000;

export type PublisherState = 'idle' | 'connecting' | 'live' | 'failed';

export function pickVideoCodec(device: Device): types.RtpCodecCapability | undefined {
  const codecs = device.rtpCapabilities.codecs ?? [];
  return codecs.find((c) => c.mimeType.toLowerCase() === 'video/h264') ?? codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
}

export class Publisher {
  readonly #request: ReturnType<typeof makeRequester<CameraResponses>>;
  readonly #onState: (state: PublisherState, detail?: string) => void;
  #device?: Device;
  #transport?: types.Transport;
  #producers: types.Producer[] = [];
  #timer?: ReturnType<typeof setInterval>;
  #codec = '';

  constructor(socket: Socket, onState: (state: PublisherState, detail?: string) => void) {
    this.#request = makeRequester<CameraResponses>(socket);
    this.#onState = onState;
  }

  get codec(): string {
    return this.#codec;
  }

  get publishing(): boolean {
    return this.#producers.some((p) => !p.closed);
  }

  /** New camera or microphone, same producers: the director's tile never blinks. */
  async replaceTracks(stream: MediaStream): Promise<void> {
    for (const producer of this.#producers) {
      const track = producer.kind === 'video' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (track && !producer.closed) await producer.replaceTrack({ track });
    }
  }

  async publish(stream: MediaStream, routerRtpCapabilities: types.RtpCapabilities): Promise<void> {
    this.#teardown();
    this.#onState('connecting');
    try {
      const device = await Device.factory();
      await device.load({ routerRtpCapabilities });
      this.#device = device;
      const info = await this.#request('transport:create');
      const transport = device.createSendTransport({
        id: info.transportId,
        iceParameters: info.iceParameters as types.IceParameters,
        iceCandidates: info.iceCandidates as types.IceCandidate[],
        dtlsParameters: info.dtlsParameters as types.DtlsParameters,
      });
      this.#transport = transport;
      transport.on('connect', ({ dtlsParameters }, done, fail) => {
        this.#request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
      });
      transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
        this.#request('produce', { transportId: transport.id, kind, rtpParameters }).then(({ producerId }) => done({ id: producerId }), fail);
      });
      transport.on('connectionstatechange', (state) => {
        if (state === 'connected') this.#onState('live');
        else if (state === 'failed' || state === 'disconnected') this.#onState('connecting', `network: ${state}`);
      });

      const [video] = stream.getVideoTracks();
      const [audio] = stream.getAudioTracks();
      if (video) {
        const codec = pickVideoCodec(device);
        if (!codec) throw new Error('this browser can send neither H.264 nor VP8 video');
        this.#codec = codec.mimeType;
        const producer = await transport.produce({
          track: video, codec, encodings: SIMULCAST, stopTracks: false,
          codecOptions: { videoGoogleStartBitrate: 1000 },
        });
        // Keep the resolution and let the frame rate give way on a weak uplink: a sharp,
        // slightly jerky shot is more usable on air than a smeared one.
        const params = producer.rtpSender?.getParameters();
        if (producer.rtpSender && params) {
          params.degradationPreference = 'maintain-resolution';
          await producer.rtpSender.setParameters(params).catch(() => undefined);
        }
        this.#producers.push(producer);
      }
      if (audio) {
        this.#producers.push(await transport.produce({ track: audio, stopTracks: false, codecOptions: { opusStereo: true, opusDtx: false } }));
      }
      this.#timer = setInterval(() => void this.#report(), REPORT_INTERVAL_MS);
    } catch (err) {
      this.#onState('failed', (err as Error).message);
      throw err;
    }
  }

  /** What the camera is really sending (the top simulcast layer), for the director's tile. */
  async #report(): Promise<void> {
    const video = this.#producers.find((p) => p.kind === 'video' && !p.closed);
    if (!video) return;
    let width = 0, height = 0, fps = 0;
    (await video.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && (s.frameWidth ?? 0) >= width) {
        width = s.frameWidth ?? 0;
        height = s.frameHeight ?? 0;
        fps = s.framesPerSecond ?? 0;
      }
    });
    await this.#request('report', { width, height, fps }).catch(() => undefined);
  }

  #teardown(): void {
    clearInterval(this.#timer);
    for (const p of this.#producers) p.close();
    this.#producers = [];
    this.#transport?.close();
    this.#transport = undefined;
  }

  stop(): void {
    this.#teardown();
    this.#onState('idle');
  }
}
