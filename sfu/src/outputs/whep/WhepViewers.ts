// The program as WebRTC for viewers (WHEP, draft-ietf-wish-whep): a player POSTs its
// offer and gets the program in well under a second — the watch page's low-latency
// mode, or a tool such as OBS's WHEP source. Each viewer is a WebRTC transport with one
// consumer per kind of the program producers (what the program monitor plays: the
// picture and sound on air, before the encode), spread over every worker: the program
// is piped once to each router that has viewers, so every core serves its share.
//
// Payload types: a player reads the program by the numbers it offered (Chromium ignores
// an answer that renumbers H.264 onto a number its offer gave RTX), and mediasoup's
// consumers take their numbers from their router. So viewers are served from routers
// made with the players' own numbers — one per numbering and worker, shared by every
// player that numbers alike (every Chromium of a version does) — and the program is
// piped into each. RTX goes along only if the router's number for it is the player's.
//
// A viewer is judged by its transport (no signalling after the POST): ICE that stops
// or DTLS closed ends it; a program rebuilt on another worker (its router died) ends
// every viewer, whose player comes back with a new POST.
import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from '../../log.js';
import { writeAnswer, writeIceRestartFragment, type AnsweredOffer } from '../../media/sdpAnswer.js';
import { OfferError } from '../../media/sdpOffer.js';
import { transportInfo, webRtcTransportOptions } from '../../media/webRtcTransport.js';
import type { WorkerPool } from '../../media/WorkerPool.js';
import { isSameProfile } from 'h264-profile-level-id';
import { readViewerOffer, type ViewerOffer, type ViewerSection } from './whepOffer.js';

/** A WHEP request that cannot be done: its HTTP status and why. */
export class WhepError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 412 | 422 | 428 | 503, message: string) {
    super(message);
  }
}

export type ProgramProducers = { video: types.Producer; audio: types.Producer; router: types.Router };

type Viewer = {
  id: string;
  transport: types.WebRtcTransport;
  /** the router it is served from (numbered as it offered), released when it leaves */
  router: types.Router;
  offer: AnsweredOffer;
  remoteUfrag?: string;
  etag: string;
  connectTimer: NodeJS.Timeout;
};

const newId = () => randomBytes(16).toString('base64url');
const newEtag = () => `"${randomBytes(9).toString('base64url')}"`;

export class WhepViewers {
  readonly #pool: WorkerPool;
  readonly #program: () => Promise<ProgramProducers>;
  readonly #maxViewers: number;
  readonly #connectTimeoutMs: number;
  readonly #log: Logger;
  readonly #viewers = new Map<string, Viewer>();
  /** routers numbered as players offered: by worker and numbering */
  readonly #routers = new Map<string, Promise<types.Router>>();
  /** the program piped to a router: by program producer and router (a new program, new pipes) */
  readonly #pipes = new Map<string, Promise<types.Producer>>();
  readonly #pipePairs = new Map<string, Promise<{ out: types.PipeTransport; into: types.PipeTransport }>>();
  readonly #onChange: () => void;
  /** viewers (and POSTs on their way) per router: the last one gone closes it */
  readonly #routerUsers = new Map<types.Router, number>();
  /** POSTs being set up */
  #pending = 0;

  constructor(opts: { pool: WorkerPool; program: () => Promise<ProgramProducers>; maxViewers: number; connectTimeoutMs: number; log: Logger; onChange: () => void }) {
    this.#pool = opts.pool;
    this.#program = opts.program;
    this.#maxViewers = opts.maxViewers;
    this.#connectTimeoutMs = opts.connectTimeoutMs;
    this.#onChange = opts.onChange;
    this.#log = opts.log.child({ module: 'whep' });
  }

  get count(): number {
    return this.#viewers.size;
  }

  /** POST: a player offers to receive the program. */
  async play(offerText: string): Promise<{ resourceId: string; answer: string; etag: string }> {
    // POSTs on their way count against the limit too: a burst cannot overshoot it.
    if (this.#viewers.size + this.#pending >= this.#maxViewers) {
      throw new WhepError(503, `this server takes ${this.#maxViewers} low-latency viewers at most (REGIE_WHEP_MAX_VIEWERS); the HLS watch page has room for everyone`);
    }
    let offer: ViewerOffer;
    try {
      offer = readViewerOffer(offerText);
    } catch (err) {
      if (err instanceof OfferError) throw new WhepError(err.status, err.message);
      throw err;
    }
    this.#pending++;
    try {
      return await this.#play(offer);
    } finally {
      this.#pending--;
    }
  }

  async #play(offer: ViewerOffer): Promise<{ resourceId: string; answer: string; etag: string }> {
    const id = newId();
    const log = this.#log.child({ viewer: id.slice(0, 6) });
    let router: types.Router | undefined;
    let transport: types.WebRtcTransport | undefined;
    try {
      const program = await this.#program();
      const place = this.#pool.pick();
      const numbering = playerNumbering(offer.sections, program);
      // A kind the player offers no usable number for is not piped at all (a browser without H.264 gets the sound).
      const playable = offer.sections.filter((section) => {
        if (numbering[section.kind] !== undefined) return true;
        offer.rejected.push({ index: section.index, reason: section.kind === 'video' ? 'the player offers no H.264 (packetization-mode 1) with a number from 96 to 127' : 'the player offers no Opus with a number from 96 to 127' });
        return false;
      });
      if (playable.length === 0) throw new WhepError(422, `nothing the player can play: ${offer.rejected.map((r) => r.reason).join('; ')}`);
      router = await this.#routerFor(place, numbering);
      this.#hold(router);
      transport = await router.createWebRtcTransport(webRtcTransportOptions(place.webRtcServer));
      await transport.connect({ dtlsParameters: offer.dtlsParameters });
      const accepted: AnsweredOffer['accepted'] = [];
      for (const section of playable) {
        const producer = await this.#producerOn(section.kind === 'video' ? program.video : program.audio, program.router, router);
        const rtpCapabilities = consumerCapabilities(section, router);
        if (!router.canConsume({ producerId: producer.id, rtpCapabilities })) {
          offer.rejected.push({ index: section.index, reason: `the player cannot decode the program's ${section.kind} (${producer.rtpParameters.codecs[0]!.mimeType})` });
          continue;
        }
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, mid: section.mid });
        // The program rebuilt elsewhere: this viewer's stream is gone; its player comes back.
        consumer.on('producerclose', () => this.#end(id, 'the program was rebuilt on another worker'));
        accepted.push({ index: section.index, mid: section.mid, rtpParameters: consumer.rtpParameters });
      }
      if (accepted.length === 0) throw new WhepError(422, `nothing the player can play: ${offer.rejected.map((r) => r.reason).join('; ')}`);
      const answered: AnsweredOffer = { sdp: offer.sdp, dtlsParameters: offer.dtlsParameters, localSetup: offer.localSetup, accepted };
      const viewerTransport = transport;
      const viewer: Viewer = {
        id, transport: viewerTransport, router, offer: answered, etag: newEtag(),
        remoteUfrag: offer.sdp.media.find((m) => m.iceUfrag)?.iceUfrag ?? offer.sdp.iceUfrag,
        connectTimer: setTimeout(() => this.#end(id, `it did not connect within ${Math.round(this.#connectTimeoutMs / 1000)} s`), this.#connectTimeoutMs),
      };
      this.#viewers.set(id, viewer);
      viewerTransport.on('icestatechange', (state) => {
        if (state === 'connected' || state === 'completed') clearTimeout(viewer.connectTimer);
        if (state === 'disconnected' || state === 'closed') this.#end(id, 'its connection stopped');
      });
      viewerTransport.on('dtlsstatechange', (state) => {
        if (state === 'failed' || state === 'closed') this.#end(id, state === 'closed' ? 'the player closed its connection' : 'DTLS failed');
      });
      viewerTransport.on('routerclose', () => this.#end(id, 'its worker stopped'));
      log.info({ viewers: this.#viewers.size, tracks: accepted.length }, 'WHEP viewer answered');
      this.#onChange();
      return { resourceId: id, answer: writeAnswer(answered, transportInfo(viewerTransport), 'sendonly'), etag: viewer.etag };
    } catch (err) {
      transport?.close();
      if (router) this.#release(router);
      if (err instanceof WhepError) throw err;
      log.warn({ err: (err as Error).message }, 'WHEP viewer refused');
      throw new WhepError(422, (err as Error).message);
    }
  }

  /** A viewer (or a POST on its way) uses this router. */
  #hold(router: types.Router): void {
    this.#routerUsers.set(router, (this.#routerUsers.get(router) ?? 0) + 1);
  }

  /**
   * One user fewer; the last one gone closes the router — its pipes and its copy of the
   * program with it — so routers live only while players numbered their way watch.
   */
  #release(router: types.Router): void {
    const left = (this.#routerUsers.get(router) ?? 1) - 1;
    if (left > 0) {
      this.#routerUsers.set(router, left);
      return;
    }
    this.#routerUsers.delete(router);
    if (router.closed) return;
    router.close();
    this.#log.info('WHEP router closed: its last player left');
  }

  /** DELETE: the player leaves. */
  end(resourceId: string): void {
    if (!this.#viewers.has(resourceId)) throw new WhepError(404, 'no such WHEP session (it ended)');
    this.#end(resourceId, 'the player ended its session');
  }

  /** PATCH: trickled candidates (204: Régie's side is ICE-lite) or an ICE restart (200, new credentials). */
  async patch(resourceId: string, ifMatch: string | undefined, fragment: string): Promise<{ status: 204 } | { status: 200; body: string; etag: string }> {
    const viewer = this.#viewers.get(resourceId);
    if (!viewer) throw new WhepError(404, 'no such WHEP session (it ended)');
    if (ifMatch === undefined) throw new WhepError(428, 'a PATCH needs an If-Match header: the ETag of the session, or "*" for an ICE restart');
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!tags.includes('*') && !tags.includes('"*"') && !tags.includes(viewer.etag)) throw new WhepError(412, 'the If-Match header is not this session\'s ETag');
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(fragment)?.[1];
    if (ufrag === undefined || ufrag === viewer.remoteUfrag || !/^a=ice-pwd:\S+/m.test(fragment)) return { status: 204 };
    const ice = await viewer.transport.restartIce();
    viewer.remoteUfrag = ufrag;
    viewer.etag = newEtag();
    return { status: 200, body: writeIceRestartFragment(viewer.offer, ice, viewer.transport.iceCandidates), etag: viewer.etag };
  }

  /** Every viewer leaves (End live: the watch page says the show ended). */
  endAll(reason: string): void {
    for (const id of [...this.#viewers.keys()]) this.#end(id, reason);
  }

  close(): void {
    this.endAll('Régie is stopping');
  }

  /** A router on the picked worker numbered as the player's offer (made once per numbering). */
  #routerFor(place: { worker: types.Worker; router: types.Router }, numbering: Numbering): Promise<types.Router> {
    const key = `${place.worker.pid}|${numbering.video ?? '-'}|${numbering.audio ?? '-'}`;
    let router = this.#routers.get(key);
    if (!router) {
      const codecs: types.RouterRtpCodecCapability[] = [];
      if (numbering.audio !== undefined) codecs.push({ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: numbering.audio });
      if (numbering.video !== undefined) {
        codecs.push({ kind: 'video', mimeType: 'video/H264', clockRate: 90000, preferredPayloadType: numbering.video, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 } });
      }
      router = this.#pool.createRouterOn(place, codecs);
      this.#routers.set(key, router);
      router.then((r) => r.observer.once('close', () => this.#routers.delete(key)), () => this.#routers.delete(key));
    }
    return router;
  }

  /**
   * The program producer on this router: itself on the program's router, else piped
   * there once. By hand, not with pipeToRouter: that gives the piped producer the
   * original's id, and ids are unique per worker — a second router of the same worker
   * (another numbering) could not take the program.
   */
  #producerOn(producer: types.Producer, from: types.Router, to: types.Router): Promise<types.Producer> {
    if (from === to) return Promise.resolve(producer);
    const key = `${producer.id}:${to.id}`;
    let piped = this.#pipes.get(key);
    if (!piped) {
      piped = this.#pipeBetween(from, to).then(async ({ out, into }) => {
        const consumer = await out.consume({ producerId: producer.id });
        let made: types.Producer;
        try {
          made = await into.produce({ kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused });
        } catch (err) {
          consumer.close();
          throw err;
        }
        // Either end closing closes the other: a new program, a router gone.
        consumer.observer.once('close', () => made.close());
        made.observer.once('close', () => { consumer.close(); this.#pipes.delete(key); });
        return made;
      });
      piped.catch(() => this.#pipes.delete(key));
      producer.observer.once('close', () => this.#pipes.delete(key));
      this.#pipes.set(key, piped);
    }
    return piped;
  }

  /** A pair of connected pipe transports from one router to another (made once, on loopback). */
  #pipeBetween(from: types.Router, to: types.Router): Promise<{ out: types.PipeTransport; into: types.PipeTransport }> {
    const key = `${from.id}>${to.id}`;
    let pair = this.#pipePairs.get(key);
    if (!pair) {
      pair = (async () => {
        const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1' };
        const [out, into] = await Promise.all([from.createPipeTransport({ listenInfo }), to.createPipeTransport({ listenInfo })]);
        await Promise.all([
          out.connect({ ip: '127.0.0.1', port: into.tuple.localPort }),
          into.connect({ ip: '127.0.0.1', port: out.tuple.localPort }),
        ]);
        const forget = () => this.#pipePairs.delete(key);
        out.observer.once('close', () => { forget(); into.close(); });
        into.observer.once('close', () => { forget(); out.close(); });
        return { out, into };
      })();
      pair.catch(() => this.#pipePairs.delete(key));
      this.#pipePairs.set(key, pair);
    }
    return pair;
  }

  #end(id: string, reason: string): void {
    const viewer = this.#viewers.get(id);
    if (!viewer) return;
    this.#viewers.delete(id);
    clearTimeout(viewer.connectTimer);
    viewer.transport.close();
    this.#release(viewer.router);
    this.#log.info({ viewer: id.slice(0, 6), reason, viewers: this.#viewers.size }, 'WHEP viewer left');
    this.#onChange();
  }
}

/** The payload types a player gave the program's codecs (H.264 as the program sends it, Opus). */
type Numbering = { video?: number; audio?: number };

function playerNumbering(sections: ViewerSection[], program: ProgramProducers): Numbering {
  const find = (kind: 'audio' | 'video') => {
    const section = sections.find((s) => s.kind === kind);
    const want = (kind === 'video' ? program.video : program.audio).rtpParameters.codecs[0]!;
    // Dynamic payload types only (RFC 3551): a number outside them would be a router no player needs.
    return section?.rtpCapabilities.codecs?.find((c) => (c.preferredPayloadType ?? 0) >= 96 && (c.preferredPayloadType ?? 0) <= 127 &&
      c.mimeType.toLowerCase() === want.mimeType.toLowerCase() && c.clockRate === want.clockRate &&
      (kind === 'audio' || (Number(c.parameters?.['packetization-mode'] ?? 0) === 1 && isSameProfile(c.parameters, want.parameters))))?.preferredPayloadType;
  };
  return { video: find('video'), audio: find('audio') };
}

/**
 * What the consumer may use: the player's codecs as its router numbers them (the same
 * numbers, by construction), RTX only where the router's number for it is the player's.
 */
function consumerCapabilities(section: ViewerSection, router: types.Router): types.RtpCapabilities {
  const codecs = (section.rtpCapabilities.codecs ?? []).filter((offered) => {
    if (!offered.mimeType.toLowerCase().endsWith('/rtx')) return true;
    const apt = Number(offered.parameters?.apt);
    return router.rtpCapabilities.codecs?.some((c) => c.mimeType.toLowerCase().endsWith('/rtx') && c.preferredPayloadType === offered.preferredPayloadType && Number(c.parameters?.apt) === apt);
  });
  return { codecs, headerExtensions: [] };
}
