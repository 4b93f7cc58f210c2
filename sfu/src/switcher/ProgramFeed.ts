// The program as mediasoup sees it, on one router: a pair of producers (H.264 + Opus)
// fed by the splicers through a DirectTransport, and a DirectTransport that taps each
// source. Built again on another router when that router's worker dies.
import type { types } from 'mediasoup';
import { backoffMs } from '../../../shared/src/backoff.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';

export const PROGRAM_VIDEO = { ssrc: 0x5e61e001, payloadType: 125, clockRate: 90000 } as const;
export const PROGRAM_AUDIO = { ssrc: 0x5e61e002, payloadType: 100, clockRate: 48000 } as const;

export type ProgramFeed = {
  router: types.Router;
  /** consumes every source (one consumer per source and kind) */
  tap: types.DirectTransport;
  /** produces the program */
  feed: types.DirectTransport;
  video: types.Producer;
  audio: types.Producer;
};

export async function createProgramFeed(router: types.Router): Promise<ProgramFeed> {
  const tap = await router.createDirectTransport();
  const feed = await router.createDirectTransport();
  const video = await feed.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{
        mimeType: 'video/H264', payloadType: PROGRAM_VIDEO.payloadType, clockRate: PROGRAM_VIDEO.clockRate,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        // With PLI feedback declared, downstream keyframe requests reach us as 'rtcp'.
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      }],
      encodings: [{ ssrc: PROGRAM_VIDEO.ssrc }],
    },
    appData: { program: true },
  });
  const audio = await feed.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: PROGRAM_AUDIO.payloadType, clockRate: PROGRAM_AUDIO.clockRate, channels: 2, parameters: { useinbandfec: 1 } }],
      encodings: [{ ssrc: PROGRAM_AUDIO.ssrc }],
    },
    appData: { program: true },
  });
  return { router, tap, feed, video, audio };
}

/** a program that cannot be built yet (no live worker) is tried again soon: it is on air */
const REBUILD_BACKOFF = { firstMs: 100, maxMs: 2000 };

/** What the switcher does around a rebuild: its taps are gone, then it taps every source again. */
export type ProgramFeedHooks = {
  /** downstream asked the program for a keyframe */
  rtcp: () => void;
  /** the router is gone: so are the taps on it */
  lost: () => void;
  /** the feed is built again (ready() resolves already): tap the sources again */
  rebuilt: (feed: ProgramFeed) => Promise<void>;
};

/**
 * The program feed, kept alive: when its router's worker dies it is built again at once
 * on a live worker (not when a replacement worker is up: that takes longer, and the
 * program is on air), as often as it takes.
 */
export class ProgramFeedKeeper {
  readonly #pool: WorkerPool;
  readonly #log: Logger;
  readonly #hooks: ProgramFeedHooks;
  #feed!: ProgramFeed;
  /** the feed being built again: whoever needs it waits */
  #building?: Promise<void>;
  #closed = false;

  constructor(pool: WorkerPool, log: Logger, hooks: ProgramFeedHooks) {
    this.#pool = pool;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** The feed now: while it is rebuilt, the lost one (what is sent to it is lost, as it would be anyway). */
  get now(): ProgramFeed {
    return this.#feed;
  }

  /** The feed, once any rebuild is done. */
  async ready(): Promise<ProgramFeed> {
    await this.#building;
    return this.#feed;
  }

  async build(): Promise<void> {
    const { router } = await this.#pool.pickWhenReady();
    const feed = await createProgramFeed(router);
    feed.feed.on('rtcp', () => this.#hooks.rtcp());
    feed.tap.on('routerclose', () => { this.#building = this.#rebuild(); });
    this.#feed = feed;
    this.#log.info({ routerId: router.id }, 'program ready');
  }

  async #rebuild(): Promise<void> {
    this.#log.warn('program router lost; rebuilding the program on a live worker');
    this.#hooks.lost();
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) return;
      try {
        await this.build();
        break;
      } catch (err) {
        if (this.#closed) return;
        this.#log.error({ attempt, err: (err as Error).message }, 'could not rebuild the program yet; trying again');
        await new Promise((r) => setTimeout(r, backoffMs(attempt, REBUILD_BACKOFF)));
      }
    }
    this.#building = undefined;
    // (the switcher closed while it was built: nothing is tapped into it)
    if (this.#closed) return this.#closeFeed();
    await this.#hooks.rebuilt(this.#feed);
    this.#log.info({ routerId: this.#feed.router.id }, 'program rebuilt');
  }

  close(): void {
    this.#closed = true;
    this.#closeFeed();
  }

  #closeFeed(): void {
    this.#feed.tap.close();
    this.#feed.feed.close();
  }
}
