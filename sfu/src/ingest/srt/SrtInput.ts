// One camera slot fed by SRT: ffmpeg listens for the encoder (or calls it), decodes its
// MPEG-TS (H.264 or H.265, AAC) and sends H.264 + Opus RTP into plain transports, whose
// producers the slot's camera session adopts — a camera like a phone from there on
// (tile, stats, on air, slate on drop, back in the same slot).
//
// Why a decode and an encode, not a copy: the switcher cuts on keyframes and cannot ask
// this encoder for one (SRT has no way back), pro encoders send B-frames, 2-second GOPs
// and H.265, none of which a WebRTC program path takes. So the input is made into what a
// phone sends: constrained-baseline H.264 with a keyframe every second, at most 720p.
// It costs one decode and one small encode per SRT camera (the bench measures it).
//
// Supervised: when the encoder hangs up, ffmpeg exits and a new run listens (or calls)
// again at once; the slot waits for it (reconnecting) for the rejoin grace period.
// A slot with an SRT input takes no other sender (Show refuses pages and WHIP there);
// if its seat is taken anyway (the invite renewed), the run ends and listens again.
//
// An encoder without sound (many drones): ffmpeg cannot make an Opus output from
// nothing it was given and says so once the encoder is connected; the next runs send
// silence instead (this input remembers it until its settings change).
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { SrtIngestSettings, SrtIngestView } from '../../../../shared/src/srtIngest.js';
import type { Logger } from '../../log.js';
import type { WorkerPool } from '../../media/WorkerPool.js';
import { plainTransportIn } from '../../media/plainTransports.js';
import { Supervised, type Run } from '../../process/Supervised.js';
import type { CameraPage } from '../CameraSeats.js';
import type { CameraSession } from '../CameraSession.js';

/** What an SRT input needs of the show's camera seats. */
export interface SrtSeats {
  page(slotId: string): CameraPage | undefined;
  join(slotId: string, page: CameraPage): CameraSession;
  lost(slotId: string, page: CameraPage, why: string): void;
  closed(slotId: string, page: CameraPage, how: string, reason: string): void;
}

const VIDEO_PT = 96;
const AUDIO_PT = 97;
/** No media for this long from an encoder that was sending: its ffmpeg hangs on a dead link. */
const SILENT_MS = 6000;

export class SrtInput {
  readonly slotId: string;
  readonly settings: SrtIngestSettings;
  readonly #listenHost: string;
  readonly #pool: WorkerPool;
  readonly #seats: SrtSeats;
  readonly #log: Logger;
  readonly #supervised: Supervised;
  readonly #onChange: () => void;
  #state: SrtIngestView['state'] = 'waiting';
  /** the encoder sent no audio: runs send silence instead */
  #audioless = false;
  /** counts runs: a late word from an ended run does not overwrite the next one's state */
  #runs = 0;
  /** the page of the run that last held the seat (a stop must free a seat still waiting for it) */
  #lastPage?: CameraPage;
  /** the director removed or changed this input: its camera leaves, it is not waited for */
  #stopped = false;
  #error?: string;

  constructor(opts: {
    slotId: string; settings: SrtIngestSettings; listenHost: string; pool: WorkerPool; seats: SrtSeats; log: Logger; onChange: () => void;
  }) {
    this.slotId = opts.slotId;
    this.settings = opts.settings;
    this.#listenHost = opts.listenHost;
    this.#pool = opts.pool;
    this.#seats = opts.seats;
    this.#onChange = opts.onChange;
    this.#log = opts.log.child({ module: 'srt-in', slot: opts.slotId, mode: opts.settings.mode });
    this.#supervised = new Supervised({
      name: 'SRT input', log: this.#log, run: (run) => this.#run(run),
      // An encoder that hung up is listened for again at once; one that is not there
      // (caller mode) is called again every few seconds at most.
      backoff: { firstMs: 200, maxMs: 5000 },
      endLevel: 'info', // an encoder hanging up, or not there yet, is no fault of Régie's: the panel shows it
    });
  }

  get state(): SrtIngestView['state'] {
    return this.#state;
  }

  get error(): string | undefined {
    return this.#error;
  }

  start(): Promise<void> {
    return this.#supervised.start();
  }

  stop(): void {
    this.#stopped = true;
    this.#supervised.stop();
    // A seat still waiting for this input's encoder (its grace period) is freed now.
    if (this.#lastPage) this.#seats.closed(this.slotId, this.#lastPage, 'SRT', 'its SRT input was turned off');
  }

  /** The ffmpeg input URL. The passphrase is in ffmpeg's argv: see the README on /proc. */
  #url(): string {
    const s = this.settings;
    const options = [
      `latency=${s.latencyMs * 1000}`, // ffmpeg: microseconds
      ...(s.passphrase ? [`passphrase=${s.passphrase}`] : []),
    ];
    if (s.mode === 'listener') {
      const host = this.#listenHost.includes(':') ? `[${this.#listenHost}]` : this.#listenHost; // IPv6 (REGIE_HOST=::)
      return `srt://${host}:${s.port}?mode=listener&${options.join('&')}`;
    }
    const url = new URL(s.url); // (an IPv6 hostname keeps its brackets)
    return `srt://${url.hostname}:${url.port}?mode=caller&connect_timeout=5000&${options.join('&')}`;
  }

  #set(state: SrtIngestView['state'], error?: string): void {
    if (this.#state === state && this.#error === error) return;
    this.#state = state;
    this.#error = error;
    this.#onChange();
  }

  async #run(run: Run): Promise<void> {
    const { router } = await this.#pool.pickWhenReady();
    const open = () => plainTransportIn(router, run);
    const [videoT, audioT] = [await open(), await open()];
    // New SSRCs each run: a receiver never mistakes the next encoder's stream for the last one's.
    const video = await videoT.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/H264', payloadType: VIDEO_PT, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' }, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
        encodings: [{ ssrc: randomInt(1, 2 ** 31) }],
      },
    });
    const audio = await audioT.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: randomInt(1, 2 ** 31) }] },
    });
    if (!run.current) return;
    const rtp = (t: types.PlainTransport, p: types.Producer) =>
      ['-payload_type', String(p.rtpParameters.codecs[0]!.payloadType), '-ssrc', String(p.rtpParameters.encodings![0]!.ssrc),
        '-f', 'rtp', `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`];
    const passphrase = this.settings.passphrase;
    const thisRun = ++this.#runs;
    const audioless = this.#audioless;
    const child = run.spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'warning', '-nostdin',
      // A short probe (not nobuffer: it drops what the probe read, the first keyframe with it).
      '-flags', 'low_delay', '-probesize', '500000', '-analyzeduration', '1000000',
      '-i', this.#url(),
      ...(audioless ? ['-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'] : []),
      '-map', '0:v:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-level', '3.1',
      // At most 720p30 (the level's limit), never scaled up.
      '-pix_fmt', 'yuv420p', '-vf', "scale=w='min(1280,iw)':h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2", '-fpsmax', '30',
      // A keyframe every second whatever the frame rate: a cut to this camera waits at most that.
      '-force_key_frames', 'expr:gte(t,n_forced*1)', '-sc_threshold', '0', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '1250k',
      '-bsf:v', 'dump_extra', ...rtp(videoT, video),
      // Only audio in the audio output: with nothing mapped, ffmpeg would pick streams by itself.
      '-map', audioless ? '1:a' : '0:a:0?', '-vn', '-sn', '-dn', '-c:a', 'libopus', '-b:a', '96k', '-ar', '48000', '-ac', '2', ...rtp(audioT, audio),
    ], { stdio: ['ignore', 'ignore', 'pipe'], scrub: (text) => (passphrase ? text.replaceAll(passphrase, '***') : text) });
    this.#set('waiting', this.#error);
    this.#log.info({ pid: child.pid, port: this.settings.mode === 'listener' ? this.settings.port : undefined }, this.settings.mode === 'listener' ? 'listening for the SRT encoder' : 'calling the SRT encoder');

    // The encoder's media arriving is what seats it: the first bytes at the producer.
    const page: CameraPage = {
      send: () => {}, // SRT has no channel back to its operator
      dismiss: (reason) => {
        if (!run.current) return; // an earlier run's page, waited for: nothing to end
        this.#log.info({ reason }, 'SRT input sent away from its slot; listening again');
        seated = false;
        run.fail(`sent away from its slot: ${reason}`);
      },
    };
    let seated = false;
    let bytes = 0;
    let lastGrowth = Date.now();
    run.own(() => {
      if (!seated || this.#seats.page(this.slotId) !== page) return;
      if (this.#stopped) this.#seats.closed(this.slotId, page, 'SRT', 'its SRT input was turned off');
      else this.#seats.lost(this.slotId, page, 'the SRT encoder stopped sending');
    });
    run.every(500, () => {
      video.getStats().then((stats) => {
        const now = stats.reduce((n, s) => n + s.byteCount, 0);
        if (now > bytes) {
          bytes = now;
          lastGrowth = Date.now();
          run.alive();
          if (!seated && run.current) {
            try {
              const session = this.#seats.join(this.slotId, page);
              seated = true;
              this.#lastPage = page;
              session.takeOver(); // what the sender before held (a phone waiting out its grace)
              session.adopt(video, router);
              session.adopt(audio, router);
            } catch (err) {
              run.fail(`could not seat the SRT camera: ${(err as Error).message}`);
              return;
            }
            this.#log.info({ audioless }, 'SRT encoder sending');
            this.#set('receiving');
          }
        } else if (seated && Date.now() - lastGrowth > SILENT_MS) {
          run.fail(`no media from the SRT encoder for ${Math.round(SILENT_MS / 1000)} s`);
        }
      }, () => {
        // The producer is gone (its router closed, or the seat's session released it): this run is over.
        if (run.current && video.closed) run.fail('its producer was closed');
      });
    });
    child.once('end', () => {
      if (thisRun !== this.#runs) return;
      const said = child.lastWords(1);
      if (!audioless && /does not contain any stream/.test(child.lastWords(4))) {
        this.#audioless = true;
        this.#log.info('the SRT encoder sends no audio: sending silence in its place');
        return this.#set('waiting');
      }
      // An encoder that was sending and hung up is no failure: listen (or call) again.
      if (bytes > 0) return this.#set('waiting');
      this.#set('retrying', said || 'ffmpeg stopped');
    });
  }
}
