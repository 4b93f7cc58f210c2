// The one encode of the show: ffmpeg takes the program (RTP from the switcher's
// producers) and makes the output format every destination wants — fixed size and
// frame rate, CBR H.264 with a fixed keyframe interval, AAC 48 kHz stereo — as an
// MPEG-TS stream on its stdout. Destinations remux that; nobody encodes twice.
// Supervised: if ffmpeg dies it starts again, with timestamps that carry on, so the
// destinations' sessions never notice more than a short gap.
import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../process/spawnChild.js';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from '../log.js';
import type { OutputFormat } from './outputFormat.js';
import { encoderArgs, programSdp } from './ffmpegArgs.js';

type EncoderEvents = {
  /** A chunk of the encoded program (MPEG-TS). */
  data: [chunk: Buffer];
  /** The encoder (re)started or stopped. */
  state: [running: boolean];
};

/** Two free consecutive UDP ports (RTP, RTCP) on loopback, the first even. */
async function freeRtpPorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 10000);
    const ok = await Promise.all([port, port + 1].map((p) => new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1 for the program encoder');
}

/** ffmpeg's words for H.264 it received but cannot decode (no keyframe, no SPS/PPS). */
const UNDECODABLE = /no frame!|decode_slice_header error|non-existing PPS|Invalid data found when processing input|missing picture/;

export class ProgramEncoder extends EventEmitter<EncoderEvents> {
  readonly #format: OutputFormat;
  readonly #log: Logger;
  readonly #program: () => Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }>;
  readonly #requestKeyFrame: () => void;
  #ffmpeg?: ChildProcess;
  #transports: types.PlainTransport[] = [];
  #epoch = 0; // when the first encode started: later ones continue its timeline
  #restarts = 0;
  #running = false;
  #stopped = true;
  #restartTimer?: NodeJS.Timeout;
  /** bumped by every start and stop: a start still on its way when they change is dropped */
  #generation = 0;
  #lastOutputAt = 0;
  #watchdog?: NodeJS.Timeout;

  constructor(opts: {
    format: OutputFormat;
    program: () => Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }>;
    requestKeyFrame: () => void;
    log: Logger;
  }) {
    super();
    this.#format = opts.format;
    this.#program = opts.program;
    this.#requestKeyFrame = opts.requestKeyFrame;
    this.#log = opts.log.child({ module: 'encoder' });
  }

  get running(): boolean {
    return this.#running;
  }

  get pid(): number | undefined {
    return this.#ffmpeg?.pid;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#generation++;
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    // Starting takes several awaits; an End live (or a new Go live) meanwhile makes this
    // start stale: it must not leave an encoder running that nobody asked for.
    const generation = this.#generation;
    const transports: types.PlainTransport[] = [];
    const stale = () => {
      if (generation === this.#generation && !this.#stopped) return false;
      for (const t of transports) t.close();
      return true;
    };
    const { video, audio, router } = await this.#program();
    const ports = { video: await freeRtpPorts(), audio: await freeRtpPorts() };
    if (stale()) return;
    const consumers: Record<'video' | 'audio', types.Consumer> = {} as never;
    for (const [kind, producer] of [['video', video], ['audio', audio]] as const) {
      const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
      transports.push(t);
      await t.connect({ ip: '127.0.0.1', port: ports[kind], rtcpPort: ports[kind] + 1 });
      consumers[kind] = await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
      t.on('routerclose', () => this.#restart('the program router closed'));
      if (stale()) return;
    }
    this.#transports = transports;
    if (this.#epoch === 0) this.#epoch = Date.now();
    const offset = (Date.now() - this.#epoch) / 1000;
    const sdp = programSdp({ video: { port: ports.video, rtp: consumers.video.rtpParameters }, audio: { port: ports.audio, rtp: consumers.audio.rtpParameters } });
    const ffmpeg = spawnChild('ffmpeg', encoderArgs(this.#format, offset), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdin!.end(sdp);
    let stderr = '';
    // A keyframe lost on the way in (a burst dropped on a busy machine) leaves the decoder
    // with slices it cannot use, and browsers send the next keyframe only when asked:
    // ask, at once (at most twice a second), instead of waiting for the watchdog.
    let askedAt = 0;
    const askKeyFrame = () => {
      if (Date.now() - askedAt < 500) return;
      askedAt = Date.now();
      this.#requestKeyFrame();
    };
    ffmpeg.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-4000);
      if (UNDECODABLE.test(text)) askKeyFrame();
    });
    const spawnedAt = Date.now();
    this.#lastOutputAt = 0;
    // Supervised by what it produces, not by its pid: an encoder that hangs (no RTP
    // parameters found, a stuck input) is restarted like one that died.
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      if (this.#ffmpeg !== ffmpeg) return;
      const silentFor = Date.now() - (this.#lastOutputAt || spawnedAt);
      if (silentFor > 1000) askKeyFrame(); // nothing out yet, or stuck: a keyframe restarts the decode
      if (silentFor > (this.#lastOutputAt ? 5000 : 10000)) {
        this.#restart(`no encoded output for ${Math.round(silentFor / 1000)} s: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
      }
    }, 1000);
    ffmpeg.stdout!.on('data', (chunk: Buffer) => {
      if (this.#ffmpeg !== ffmpeg) return; // the last words of an encoder already replaced
      this.#lastOutputAt = Date.now();
      if (!this.#running) {
        this.#running = true;
        this.#restarts = 0;
        this.#log.info({ pid: ffmpeg.pid, offset }, 'program encoder running');
        this.emit('state', true);
      }
      this.emit('data', chunk);
    });
    ffmpeg.once('error', (err) => this.#log.error({ err: err.message }, 'cannot run ffmpeg for the program encoder (is ffmpeg installed?)'));
    ffmpeg.once('exit', (code, signal) => {
      if (this.#ffmpeg !== ffmpeg) return;
      const last = stderr.trim().split('\n').filter((l) => !l.startsWith('frame=')).slice(-2).join(' | ');
      this.#restart(`ffmpeg exited (${signal ?? `code ${code}`}): ${last}`);
    });
    // ffmpeg listens now; let the program flow and start it on a keyframe.
    await new Promise((r) => setTimeout(r, 300));
    if (this.#ffmpeg !== ffmpeg) return; // stopped or restarted meanwhile
    for (const c of Object.values(consumers)) await c.resume();
    this.#requestKeyFrame();
  }

  #restart(reason: string): void {
    this.#teardown();
    if (this.#stopped) return;
    const delay = Math.min(5000, 200 * 2 ** this.#restarts++);
    this.#log.error({ reason, delay }, 'program encoder stopped; restarting it');
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#spawn().catch((err: Error) => this.#restart(`restart failed: ${err.message}`));
    }, delay);
  }

  #teardown(): void {
    clearInterval(this.#watchdog);
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = undefined;
    ffmpeg?.kill('SIGKILL');
    for (const t of this.#transports) t.close();
    this.#transports = [];
    if (this.#running) {
      this.#running = false;
      this.emit('state', false);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#restartTimer);
    this.#teardown();
  }
}
