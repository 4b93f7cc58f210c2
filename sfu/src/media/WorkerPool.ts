// mediasoup workers, one per core by default, each with one router and one
// WebRtcServer (one UDP+TCP port per worker: easy to open in a firewall).
// A worker that dies is logged and replaced on the same port; whoever had
// transports on its router hears 'routerclose' from them and starts over.
import { backoffMs } from '../../../shared/src/backoff.js';
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { MEDIA_CODECS } from './codecs.js';

type Member = {
  index: number;
  worker: types.Worker;
  router: types.Router;
  webRtcServer: types.WebRtcServer;
  transports: number;
};

type PoolEvents = {
  workerReplaced: [info: { index: number; deadRouterId: string; routerId: string }];
};

/** A replacement worker that fails to start (the dead one's port not yet released) is tried again. */
const REPLACE_BACKOFF = { firstMs: 400, maxMs: 5000 };

export class WorkerPool extends EventEmitter<PoolEvents> {
  readonly #members = new Map<number, Member>();
  readonly #config: Config['rtc'];
  readonly #log: Logger;
  #closed = false;
  #capabilities?: types.RtpCapabilities;

  private constructor(config: Config['rtc'], log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ module: 'workers' });
  }

  static async create(count: number, config: Config['rtc'], log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(config, log);
    for (let i = 0; i < count; i++) await pool.#start(i);
    return pool;
  }

  async #start(index: number): Promise<Member> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const { listenIp, announcedIp, port } = this.#config;
    const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
      protocol, ip: listenIp, announcedAddress: announcedIp, ...(port > 0 ? { port: port + index } : {}),
    });
    const webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
    const member: Member = { index, worker, router, webRtcServer, transports: 0 };
    this.#capabilities ??= router.rtpCapabilities;
    router.observer.on('newtransport', (t) => {
      member.transports++;
      t.observer.once('close', () => member.transports--);
    });
    worker.once('died', (err) => void this.#replace(member, err));
    this.#members.set(index, member);
    this.#log.info({ worker: index, pid: worker.pid, routerId: router.id }, 'mediasoup worker started');
    return member;
  }

  async #replace(dead: Member, err: Error): Promise<void> {
    this.#log.error({ worker: dead.index, pid: dead.worker.pid, err: err.message }, 'mediasoup worker died; replacing it');
    this.#members.delete(dead.index);
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        const member = await this.#start(dead.index);
        this.emit('workerReplaced', { index: dead.index, deadRouterId: dead.router.id, routerId: member.router.id });
        return;
      } catch (startErr) {
        // The dead worker's port may take a moment to be released.
        const delay = backoffMs(attempt, REPLACE_BACKOFF);
        this.#log.error({ worker: dead.index, attempt, err: (startErr as Error).message }, `replacement worker failed to start; retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The router with the fewest transports: spreads cameras over the cores. */
  pick(): { router: types.Router; webRtcServer: types.WebRtcServer; worker: types.Worker } {
    let best: Member | undefined;
    for (const m of this.#members.values()) {
      if (!m.worker.died && !m.router.closed && (!best || m.transports < best.transports)) best = m;
    }
    if (!best) throw new Error('no mediasoup worker is running (all died and none could be restarted)');
    return best;
  }

  /** A router to use, waiting (up to timeoutMs) while every worker is being replaced. */
  async pickWhenReady(timeoutMs = 15000): Promise<{ router: types.Router; webRtcServer: types.WebRtcServer }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return this.pick();
      } catch (err) {
        const left = deadline - Date.now();
        if (left <= 0 || this.#closed) throw err;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.once('workerReplaced', () => { clearTimeout(timer); resolve(); });
        });
      }
    }
  }

  /**
   * Another router on the same worker as `place`, with codecs of its own (WHEP players
   * need the program with the payload types they offered). Its transports count toward
   * that worker's load, as the main router's do.
   */
  async createRouterOn(place: { worker: types.Worker }, mediaCodecs: types.RouterRtpCodecCapability[]): Promise<types.Router> {
    const member = [...this.#members.values()].find((m) => m.worker === place.worker && !m.worker.died);
    if (!member) throw new Error('that worker is gone');
    const router = await member.worker.createRouter({ mediaCodecs });
    router.observer.on('newtransport', (t) => {
      member.transports++;
      t.observer.once('close', () => member.transports--);
    });
    return router;
  }

  find(routerId: string): { router: types.Router; webRtcServer: types.WebRtcServer } | undefined {
    for (const m of this.#members.values()) if (m.router.id === routerId && !m.router.closed) return m;
    return undefined;
  }

  /** Every router has the same codecs, so the first one's capabilities speak for all. */
  get rtpCapabilities(): types.RtpCapabilities {
    return this.#capabilities!;
  }

  get pids(): number[] {
    return [...this.#members.values()].map((m) => m.worker.pid);
  }

  close(): void {
    this.#closed = true;
    for (const m of this.#members.values()) m.worker.close();
    this.#members.clear();
  }
}
