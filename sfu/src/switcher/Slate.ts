// The slate: a still image (and silence) that is always ready to go on air. ffmpeg
// encodes it as H.264 at a low frame rate with a keyframe every 0.2 s, so a
// switch to it never waits long, and sends RTP into a PlainTransport producer. It is
// supervised: if ffmpeg or its router dies, it starts again.
import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../process/spawnChild.js';
import type { types } from 'mediasoup';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { SLATE_ID, type Switcher } from './Switcher.js';

const FPS = 10;
const VIDEO = { pt: 96, ssrc: 0x51a7e001 };
const AUDIO = { pt: 97, ssrc: 0x51a7e002 };
/**
 * The slate sends 10 frames a second; nothing from it for this long means its ffmpeg
 * hangs (stopped, starved of CPU, stuck on a socket) without exiting: it is made anew,
 * since the slate is what covers every other failure.
 */
const SILENT_MS = 3000;
/** A slate just started may take longer to send its first packet (a loaded machine). */
const FIRST_PACKET_MS = 10_000;
const WATCH_EVERY_MS = 1000;

export class Slate {
  readonly #image: string;
  readonly #pool: WorkerPool;
  readonly #switcher: Switcher;
  readonly #log: Logger;
  #ffmpeg?: ChildProcess;
  #transports: types.PlainTransport[] = [];
  #restarts = 0;
  #restarting = false;
  #closed = false;
  #watch?: NodeJS.Timeout;

  constructor(opts: { image: string; pool: WorkerPool; switcher: Switcher; log: Logger }) {
    this.#image = opts.image;
    this.#pool = opts.pool;
    this.#switcher = opts.switcher;
    this.#log = opts.log.child({ module: 'slate' });
  }

  async start(): Promise<void> {
    if (this.#closed) return;
    const { router } = await this.#pool.pickWhenReady();
    const open = async (kind: 'video' | 'audio') => {
      // ffmpeg sends RTCP from another socket than RTP: with RTCP on its own port, comedia
      // learns each tuple from the right packets (muxed, it latched onto the RTCP one).
      const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
      this.#transports.push(t);
      t.on('routerclose', () => this.#restart('its router closed'));
      return t;
    };
    const videoT = await open('video');
    const audioT = await open('audio');
    const video = await videoT.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/H264', payloadType: VIDEO.pt, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } }],
        encodings: [{ ssrc: VIDEO.ssrc }],
      },
    });
    const audio = await audioT.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO.pt, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: AUDIO.ssrc }],
      },
    });
    const rtp = (t: types.PlainTransport, p: { pt: number; ssrc: number }) =>
      ['-payload_type', String(p.pt), '-ssrc', String(p.ssrc), '-f', 'rtp', `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`];
    const args = [
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
    ];
    const ffmpeg = spawnChild('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#ffmpeg = ffmpeg;
    let stderr = '';
    ffmpeg.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d).slice(-2000); });
    ffmpeg.once('error', (err) => this.#log.error({ err: err.message }, 'cannot run ffmpeg for the slate (is ffmpeg installed?)'));
    ffmpeg.once('exit', (code, signal) => {
      if (this.#ffmpeg !== ffmpeg) return;
      this.#restart(`ffmpeg exited (${signal ?? code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
    });
    await this.#switcher.addProducer(SLATE_ID, 'Slate', video, router);
    await this.#switcher.addProducer(SLATE_ID, 'Slate', audio, router);
    this.#watchSending(ffmpeg, video);
    this.#log.info({ image: this.#image, pid: ffmpeg.pid, routerId: router.id }, 'slate ready');
  }

  /** A slate whose ffmpeg lives but sends nothing is restarted like one that exited. */
  #watchSending(ffmpeg: ChildProcess, video: types.Producer): void {
    clearInterval(this.#watch);
    let bytes = 0;
    let lastGrewAt = Date.now();
    const watch = setInterval(() => {
      if (this.#ffmpeg !== ffmpeg || video.closed) return clearInterval(watch);
      video.getStats().then((stats) => {
        const now = stats.reduce((sum, s) => sum + s.byteCount, 0);
        if (now > bytes) {
          if (bytes === 0) this.#restarts = 0; // it sends: the next failure is a first one again
          bytes = now;
          lastGrewAt = Date.now();
        } else if (Date.now() - lastGrewAt > (bytes > 0 ? SILENT_MS : FIRST_PACKET_MS) && this.#ffmpeg === ffmpeg) {
          this.#restart(`ffmpeg sent nothing for ${Math.round((Date.now() - lastGrewAt) / 1000)} s (it hangs without exiting)`);
        }
      }, () => undefined); // a closed producer: its router's close restarts the slate
    }, WATCH_EVERY_MS);
    watch.unref();
    this.#watch = watch;
  }

  #restart(reason: string): void {
    if (this.#closed || this.#restarting) return;
    this.#restarting = true;
    this.#teardown();
    const delay = Math.min(10000, 250 * 2 ** this.#restarts++);
    this.#log.warn({ reason, delay }, 'slate stopped; starting it again');
    setTimeout(() => {
      this.#restarting = false;
      this.start().catch((err: Error) => this.#restart(`restart failed: ${err.message}`));
    }, delay).unref();
  }

  #teardown(): void {
    clearInterval(this.#watch);
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = undefined;
    ffmpeg?.kill('SIGKILL');
    const transports = this.#transports;
    this.#transports = [];
    for (const t of transports) t.close();
  }

  close(): void {
    this.#closed = true;
    this.#teardown();
  }
}
