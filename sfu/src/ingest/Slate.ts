// The slate: a still image (and silence) that is always ready to go on air, as H.264 at
// a low frame rate with a keyframe every 0.2 s, so a switch to it never waits long,
// sent as RTP into a PlainTransport producer. The picture never changes, so it is
// encoded once (a second of it) and that second is sent again and again: encoding the
// still anew for the whole show cost 12 % of a core (each frame's PNG decoded and
// scaled again, five keyframes a second), sending it costs 3 % (ffmpeg over 15 s). A source like a
// camera: its producers are handed to whoever owns the show (onProduced: the switcher),
// and a run whose producers cannot be taken fails and starts again. Supervised: if
// ffmpeg or its router dies, or ffmpeg hangs, it starts again.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import { whyCommandFailed } from '../errors.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { plainTransportIn } from '../media/plainTransports.js';
import { Supervised, type Run } from '../process/Supervised.js';

const FPS = 10;
const VIDEO = { pt: 96, ssrc: 0x51a7e001 };
const AUDIO = { pt: 97, ssrc: 0x51a7e002 };
const runFile = promisify(execFile);

/** Encodes one second of `image` as the slate's H.264, in MPEG-TS at `out`; an image ffmpeg cannot read is an error that says which, and why. */
export async function encodeSlate(image: string, out: string): Promise<void> {
  const partial = `${out}.partial`;
  try {
    await runFile('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-loop', '1', '-framerate', String(FPS), '-i', image, '-frames:v', String(FPS),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-profile:v', 'baseline', '-level', '3.1',
      '-pix_fmt', 'yuv420p', '-vf', 'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2',
      // A keyframe every 0.2 s, each with its SPS/PPS: any cut to the slate is quick, and
      // whoever starts to listen decodes from the next keyframe.
      '-g', '2', '-keyint_min', '2', '-sc_threshold', '0', '-b:v', '300k', '-x264-params', 'repeat-headers=1',
      '-f', 'mpegts', partial,
    ], { timeout: 30_000 });
  } catch (err) {
    throw new Error(`cannot encode the slate image ${image}: ${whyCommandFailed(err)} (REGIE_SLATE_IMAGE names the image: a PNG or JPEG)`);
  }
  renameSync(partial, out);
}

/** Takes one of the slate's producers (video, audio), made anew with every run. */
export type TakeProducer = (producer: types.Producer, router: types.Router) => Promise<void>;

export class Slate {
  readonly #image: string;
  readonly #pool: WorkerPool;
  readonly #onProduced: TakeProducer;
  readonly #log: Logger;
  readonly #supervised: Supervised;
  /** where the encoded second of the slate is kept */
  readonly #file: string;
  /** whether this server has encoded it (a file from an earlier start may show another image) */
  #encoded = false;

  /** `dir`: where the encoded second of the slate is kept (encoded again at each start: the image may have changed). */
  constructor(opts: { image: string; dir: string; pool: WorkerPool; onProduced: TakeProducer; log: Logger }) {
    mkdirSync(opts.dir, { recursive: true });
    this.#file = join(opts.dir, 'slate.ts');
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
    const encoded = await this.#encodedFile();
    if (!run.current) return;
    const ffmpeg = run.spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      // (-stream_loop: each time round, the timestamps carry on where the last ended)
      '-re', '-stream_loop', '-1', '-i', encoded,
      '-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo',
      '-map', '0:v', '-c:v', 'copy',
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

  /** The encoded second of the slate, encoded now unless it already is (a run after the first, its file still there). */
  async #encodedFile(): Promise<string> {
    if (!this.#encoded || !existsSync(this.#file)) {
      await encodeSlate(this.#image, this.#file);
      this.#encoded = true;
    }
    return this.#file;
  }

  close(): void {
    this.#supervised.stop();
  }
}
