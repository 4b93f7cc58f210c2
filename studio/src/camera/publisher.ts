// The camera page's side of publishing: one send transport, a video producer
// (H.264 preferred for phones' hardware encoders, VP8 otherwise, simulcast so the
// multiview can take a small layer) and an Opus audio producer. Everything that can
// change while live (camera, quality, mic) changes inside the same producers, so the
// director's tile never blinks; only a rejoin (see reconnect.ts) makes new ones.
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { CameraQuality } from '../../../shared/src/protocol';
import type { CameraClientEvents, CameraRequests } from '../../../shared/src/requests';
import type { RequestPayload } from '../../../shared/src/requestTable';
import { makeRequester, type Requester } from '../lib/request';
import type { CameraSocket } from '../lib/sockets';
import type { UplinkSample } from './linkQuality';
import { effectiveMediaState, receivedBytes, SILENCE, SilenceDetector } from './mediaWatch';
import { layerEncodings } from './quality';
import type { MediaState } from './reconnect';

export function pickVideoCodec(device: Device): types.RtpCodecCapability | undefined {
  const codecs = device.rtpCapabilities.codecs ?? [];
  return codecs.find((c) => c.mimeType.toLowerCase() === 'video/h264') ?? codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
}

/** Height of what a camera track really delivers (settings, else the constraint asked). */
const trackHeight = (track: MediaStreamTrack | undefined): number => track?.getSettings().height ?? 720;

export class Publisher {
  readonly #request: Requester<CameraClientEvents>;
  readonly #onMedia: (state: MediaState) => void;
  #transport?: types.Transport;
  #producers: types.Producer[] = [];
  #codec = '';
  #quality: CameraQuality;
  #micMuted = false;
  #lastBytes?: { bytes: number; at: number };
  /** the transport's state as the browser reports it, and whether the studio has gone silent on it */
  #browserState: MediaState = 'new';
  #silent = false;
  readonly #silence = new SilenceDetector();
  #watch?: ReturnType<typeof setInterval>;

  constructor(socket: CameraSocket, quality: CameraQuality, onMedia: (state: MediaState) => void) {
    this.#request = makeRequester(socket);
    this.#quality = quality;
    this.#onMedia = onMedia;
  }

  get codec(): string {
    return this.#codec;
  }

  get transportId(): string | undefined {
    return this.#transport && !this.#transport.closed ? this.#transport.id : undefined;
  }

  get publishing(): boolean {
    return this.#producers.some((p) => !p.closed);
  }

  #producer(kind: 'audio' | 'video'): types.Producer | undefined {
    return this.#producers.find((p) => p.kind === kind && !p.closed);
  }

  /** New camera or microphone, same producers: the director's tile never blinks. */
  async replaceTracks(stream: MediaStream): Promise<void> {
    const video = this.#producer('video');
    const audio = this.#producer('audio');
    const [videoTrack] = stream.getVideoTracks();
    const [audioTrack] = stream.getAudioTracks();
    if (audioTrack) audioTrack.enabled = !this.#micMuted;
    if (video && videoTrack) {
      await video.replaceTrack({ track: videoTrack });
      await this.#applyEncodings(videoTrack);
    }
    if (audio && audioTrack) await audio.replaceTrack({ track: audioTrack });
  }

  /** The quality applies live: the same producer sends its layers at the new size and rate. */
  async setQuality(quality: CameraQuality, track: MediaStreamTrack | undefined): Promise<void> {
    this.#quality = quality;
    if (track) await this.#applyEncodings(track);
  }

  /** Muting keeps the audio producer (silence is sent): unmuting is instant. */
  setMicMuted(muted: boolean, track: MediaStreamTrack | undefined): void {
    this.#micMuted = muted;
    if (track) track.enabled = !muted;
  }

  async #applyEncodings(track: MediaStreamTrack): Promise<void> {
    const sender = this.#producer('video')?.rtpSender;
    if (!sender) return;
    const params = sender.getParameters();
    const layers = layerEncodings(this.#quality, trackHeight(track));
    params.encodings.forEach((e, i) => Object.assign(e, layers[i] ?? layers.at(-1)));
    await sender.setParameters(params);
  }

  /** A full join: device, transport, producers (replacing any earlier ones). */
  async publish(stream: MediaStream, routerRtpCapabilities: types.RtpCapabilities): Promise<void> {
    this.#teardown();
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities });
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
      // mediasoup-client types codec parameters as unknown; they are SDP's strings and numbers (the server checks).
      const sent = rtpParameters as RequestPayload<CameraRequests, 'produce'>['rtpParameters'];
      this.#request('produce', { transportId: transport.id, kind, rtpParameters: sent }).then(({ producerId }) => done({ id: producerId }), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (this.#transport !== transport) return;
      this.#browserState = state as MediaState;
      if (state !== 'connected') {
        this.#silent = false;
        this.#silence.reset();
      }
      this.#tell();
    });
    clearInterval(this.#watch);
    this.#watch = setInterval(() => void this.#listen(transport), SILENCE.intervalMs);

    const [video] = stream.getVideoTracks();
    const [audio] = stream.getAudioTracks();
    if (video) {
      const codec = pickVideoCodec(device);
      if (!codec) throw new Error('this browser can send neither H.264 nor VP8 video');
      this.#codec = codec.mimeType;
      const producer = await transport.produce({
        track: video, codec, encodings: layerEncodings(this.#quality, trackHeight(video)), stopTracks: false,
        codecOptions: { videoGoogleStartBitrate: 1000 },
      });
      this.#producers.push(producer);
      // Keep the resolution and let the frame rate give way on a weak uplink: a sharp,
      // slightly jerky shot is more usable on air than a smeared one.
      const params = producer.rtpSender?.getParameters();
      if (producer.rtpSender && params) {
        params.degradationPreference = 'maintain-resolution';
        await producer.rtpSender.setParameters(params).catch(() => undefined);
      }
    }
    if (audio) {
      audio.enabled = !this.#micMuted;
      this.#producers.push(await transport.produce({ track: audio, stopTracks: false, codecOptions: { opusStereo: true, opusDtx: false } }));
    }
    if (this.#transport === transport && transport.connectionState === 'connected') this.#tell();
  }

  /** Tells the recovery policy the media's state (a silent transport counts as 'disconnected'). */
  #tell(): void {
    this.#onMedia(effectiveMediaState(this.#browserState, this.#silent));
  }

  /** Is the studio still heard on this transport? Read while the browser says it is connected. */
  async #listen(transport: types.Transport): Promise<void> {
    if (this.#transport !== transport || this.#browserState !== 'connected') return;
    let bytes: number | undefined;
    try {
      bytes = receivedBytes(await transport.getStats());
    } catch {
      return; // closed meanwhile
    }
    if (this.#transport !== transport || this.#browserState !== 'connected') return;
    const silent = this.#silence.read(bytes, performance.now());
    if (silent === this.#silent) return;
    this.#silent = silent;
    this.#tell();
  }

  /** The network changed: new ICE credentials from the SFU, on the same transport. */
  async restartIce(): Promise<void> {
    const transport = this.#transport;
    if (!transport || transport.closed) throw new Error('no transport to restart');
    const { iceParameters } = await this.#request('transport:restartIce', { transportId: transport.id });
    await transport.restartIce({ iceParameters: iceParameters as types.IceParameters });
  }

  /**
   * What the uplink is doing now (for the operator's indicator) and what the top
   * layer really sends (for the director's tile).
   */
  async sample(): Promise<{ uplink: UplinkSample; top: { width: number; height: number; fps: number } } | undefined> {
    const video = this.#producer('video');
    if (!video) return undefined;
    let bytes = 0, loss = 0, rtt: number | undefined, limited = false;
    const top = { width: 0, height: 0, fps: 0 };
    (await video.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp') {
        bytes += s.bytesSent ?? 0;
        if ((s.frameWidth ?? 0) >= top.width) {
          top.width = s.frameWidth ?? 0;
          top.height = s.frameHeight ?? 0;
          top.fps = s.framesPerSecond ?? 0;
          limited = s.qualityLimitationReason === 'bandwidth';
        }
      } else if (s.type === 'remote-inbound-rtp') {
        loss = Math.max(loss, s.fractionLost ?? 0);
        if (typeof s.roundTripTime === 'number') rtt = Math.max(rtt ?? 0, s.roundTripTime);
      }
    });
    const now = performance.now();
    const prev = this.#lastBytes;
    this.#lastBytes = { bytes, at: now };
    const bitrate = prev && bytes >= prev.bytes && now > prev.at ? ((bytes - prev.bytes) * 8 * 1000) / (now - prev.at) : 0;
    return { uplink: { bitrate, loss, rtt, bandwidthLimited: limited }, top };
  }

  /** Tell the director's tile what the top layer really sends. */
  async report(top: { width: number; height: number; fps: number }): Promise<void> {
    await this.#request('report', top).catch(() => undefined);
  }

  #teardown(): void {
    clearInterval(this.#watch);
    this.#watch = undefined;
    for (const p of this.#producers) p.close();
    this.#producers = [];
    this.#transport?.close();
    this.#transport = undefined;
    this.#lastBytes = undefined;
    this.#browserState = 'new';
    this.#silent = false;
    this.#silence.reset();
  }

  stop(): void {
    this.#teardown();
  }
}
