// The slate: a still image (and silence) that is always ready to go on air. ffmpeg
// encodes it as H.264 at a low frame rate with a keyframe every 0.2 s, so a switch to
// it never waits long, and sends RTP into a PlainTransport producer. A source like a
// camera: its producers are handed to whoever owns the show (onProduced: the switcher),
// and a run whose producers cannot be taken fails and starts again. Supervised: if
// ffmpeg or its router dies, or ffmpeg hangs, it starts again.
import type { types } from 'mediasoup';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { plainTransportIn } from '../media/plainTransports.js';
import { Supervised, type Run } from '../process/Supervised.js';

const FPS = 10;
const VIDEO = { pt: 96, ssrc: 0x51a7e001 };
const AUDIO = { pt: 97, ssrc: 0x51a7e002 };

/** Takes one of the slate's producers (video, audio), made anew with every run. */
export type TakeProducer = (producer: types.Producer, router: types.Router) => Promise<void>;

export class Slate {
  readonly #image: string;
  readonly #pool: WorkerPool;
  readonly #onProduced: TakeProducer;
  readonly #log: Logger;
  readonly #supervised: Supervised;

  constructor(opts: { image: string; pool: WorkerPool; onProduced: TakeProducer; log: Logger }) {
    this.#onProduced = opts.onProduced;
    this.#image = opts.image;
    this.#pool = opts.pool;
    this.#log = opts.log.child({ module: 'slate' });
    this.#supervised = new Supervised({
      name: 'slate', log: this.#log, run: (run) => this.#run(run),
      backoff: { firstMs: 250, maxMs: 10_000 },
      // It sends 10 frames a second: nothing for 3 s means its ffmpeg hangs (stopped,
      // starved of CPU, stuck on a socket) without exiting. The slate covers every other
      // failure, so it must never be the one that silently fails.
      liveness: { firstMs: 10_000, silentMs: 3000, what: 'slate packets' },
    });
  }

  /** Resolves once the first run is set up (its producers taken), or failed and is being retried. */
  start(): Promise<void> {
    return this.#supervised.start();
  }

  async #run(run: Run): Promise<void> {
    const { router } = await this.#pool.pickWhenReady();
    const open = () => plainTransportIn(router, run);
    const videoT = await open();
    const audioT = await open();
    const video = await videoT.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/H264', payloadType: VIDEO.pt, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } }],
        encodings: [{ ssrc: VIDEO.ssrc }],
      },
      // A still picture at a low frame rate: the program mixer repeats it at its own.
      appData: { still: true },
    });
    const audio = await audioT.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO.pt, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: AUDIO.ssrc }],
      },
    });
    if (!run.current) return; // its router died meanwhile: the next run starts over
    const rtp = (t: types.PlainTransport, p: { pt: number; ssrc: number }) =>
      ['-payload_type', String(p.pt), '-ssrc', String(p.ssrc), '-f', 'rtp', `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`];
    const ffmpeg = run.spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-loop', '1', '-framerate', String(FPS), '-i', this.#image,
      '-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo',
      '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-profile:v', 'baseline', '-level', '3.1',
      '-pix_fmt', 'yuv420p', '-vf', 'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2',
      // A keyframe every 0.2 s, with SPS/PPS in band: any cut to the slate is quick (a
      // still image costs next to nothing to encode, even all keyframes).
      '-g', '2', '-keyint_min', '2', '-sc_threshold', '0', '-bsf:v', 'dump_extra', '-b:v', '300k',
      ...rtp(videoT, VIDEO),
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '2',
      ...rtp(audioT, AUDIO),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    await this.#onProduced(video, router);
    await this.#onProduced(audio, router);
    if (!run.current) return;
    // Its sign of life: the video producer's byte count grows.
    let bytes = 0;
    run.every(1000, () => {
      video.getStats().then((stats) => {
        const now = stats.reduce((sum, s) => sum + s.byteCount, 0);
        if (now > bytes) {
          bytes = now;
          run.alive();
        }
      }, () => undefined); // a closed producer: its router's close ends the run
    });
    this.#log.info({ image: this.#image, pid: ffmpeg.pid, routerId: router.id }, 'slate ready');
  }

  close(): void {
    this.#supervised.stop();
  }
}
