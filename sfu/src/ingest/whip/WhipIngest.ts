// Cameras from any WHIP encoder (OBS, Larix, GStreamer…): one HTTP POST of an SDP offer
// makes a session in the slot — a camera like a browser's, with the same seat, tile,
// tally state, slate on drop and place in the switcher. There is no signalling channel
// after the POST, so the session is judged by its transport: ICE that stops is a
// connection lost (the slot is kept for the rejoin grace period, as for a phone), DTLS
// closed by the encoder is a goodbye, and an answer never followed by ICE is given up.
//
// A slot sending now is not taken by a POST (409): the encoder stops first, or the
// director renews the invite. A slot whose camera is away (lost, in its grace period)
// is taken, so an encoder that reconnects lands back in its slot.
import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import type { CameraPage } from '../CameraSeats.js';
import type { CameraSession } from '../CameraSession.js';
import type { Logger } from '../../log.js';
import { readOffer, OfferError, type ReadOffer } from './whipOffer.js';
import { writeAnswer, writeIceRestartFragment } from '../../media/sdpAnswer.js';

/** A WHIP request that cannot be done: its HTTP status and, in words, why. */
export class WhipError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 412 | 422 | 428 | 500 | 503, message: string) {
    super(message);
  }
}

/** What WHIP needs of the show's camera seats. */
export interface WhipSeats {
  /** the page (browser or WHIP session) driving this slot now, if any */
  page(slotId: string): CameraPage | undefined;
  join(slotId: string, page: CameraPage): CameraSession;
  closed(slotId: string, page: CameraPage, how: string, reason: string): void;
  lost(slotId: string, page: CameraPage, why: string): void;
}

type Resource = {
  id: string;
  slotId: string;
  page: CameraPage;
  session: CameraSession;
  offer: ReadOffer;
  /** this session's transport (events of any other, older one in the same camera session are not its) */
  transportId?: string;
  /** the encoder's ICE username fragment now: a PATCH with another one is an ICE restart */
  remoteUfrag?: string;
  etag: string;
  connected: boolean;
  ended: boolean;
  connectTimer?: NodeJS.Timeout;
  unsubscribe: () => void;
};

export type WhipAnswer = { resourceId: string; answer: string; etag: string };

/** The offer's ICE username fragment (media or session level). */
const iceUfrag = (offer: ReadOffer): string | undefined => offer.sdp.media.find((m) => m.iceUfrag)?.iceUfrag ?? offer.sdp.iceUfrag;

const newId = () => randomBytes(16).toString('base64url');
const newEtag = () => `"${randomBytes(9).toString('base64url')}"`;

export class WhipIngest {
  readonly #seats: WhipSeats;
  readonly #capabilities: () => types.RtpCapabilities;
  readonly #connectTimeoutMs: number;
  readonly #log: Logger;
  readonly #resources = new Map<string, Resource>();
  /** slots with a POST being set up: a second one at the same time is refused, not raced */
  readonly #settingUp = new Set<string>();

  /** why a slot takes no encoder over WHIP (it takes SRT), if it does not */
  readonly #refuse: (slotId: string) => string | undefined;

  constructor(opts: { seats: WhipSeats; capabilities: () => types.RtpCapabilities; connectTimeoutMs: number; log: Logger; refuse?: (slotId: string) => string | undefined }) {
    this.#seats = opts.seats;
    this.#refuse = opts.refuse ?? (() => undefined);
    this.#capabilities = opts.capabilities;
    this.#connectTimeoutMs = opts.connectTimeoutMs;
    this.#log = opts.log.child({ module: 'whip' });
  }

  /** POST: an encoder offers its media for this slot. */
  async publish(slotId: string, offerText: string): Promise<WhipAnswer> {
    let offer: ReadOffer;
    try {
      offer = readOffer(offerText, this.#capabilities());
    } catch (err) {
      if (err instanceof OfferError) throw new WhipError(err.status, err.message);
      throw err;
    }
    const refused = this.#refuse(slotId);
    if (refused) throw new WhipError(409, refused);
    if (this.#settingUp.has(slotId)) throw new WhipError(409, 'another WHIP session is being set up in this slot right now');
    const holder = this.#seats.page(slotId);
    if (holder) {
      const whip = [...this.#resources.values()].find((r) => r.page === holder);
      if (!whip) throw new WhipError(409, 'another camera (a camera page, or an SRT encoder) is sending in this slot: stop it first, or use another slot');
      // An encoder that crashed looks connected until ICE consent runs out (15 s); its
      // media stopped at once, and its restart must not wait for that.
      if (whip.connected && whip.session.media !== 'stalled') {
        throw new WhipError(409, 'an encoder is sending in this slot: stop it first (DELETE its session), or renew the slot\'s invite from the studio');
      }
      // the previous encoder never connected, lost its connection or stopped sending: the newest takes the slot
    }
    this.#settingUp.add(slotId);
    try {
      return await this.#setUp(slotId, offer);
    } finally {
      this.#settingUp.delete(slotId);
    }
  }

  async #setUp(slotId: string, offer: ReadOffer): Promise<WhipAnswer> {
    // An earlier session of this slot that never connected or lost its connection is replaced.
    for (const r of [...this.#resources.values()]) if (r.slotId === slotId) this.#forget(r.id);
    const id = newId();
    const log = this.#log.child({ slot: slotId, whip: id.slice(0, 6) });
    const page: CameraPage = {
      send: () => {}, // no channel to an encoder after its POST: tally and talkback are for pages
      dismiss: (reason) => {
        log.info({ reason }, 'WHIP session replaced');
        this.#forget(id);
      },
    };
    const session = this.#seats.join(slotId, page);
    const resource: Resource = {
      id, slotId, page, session, offer, remoteUfrag: iceUfrag(offer), etag: newEtag(), connected: false, ended: false, unsubscribe: () => {},
    };
    this.#resources.set(id, resource);
    // The slot may be taken (a page joined), renewed or deleted while this is set up:
    // then this session is not answered, and what it made is released with the seat.
    const stillHere = () => {
      if (resource.ended) throw new WhipError(409, 'the slot was taken or closed while this session was being set up');
    };
    try {
      const info = await session.createTransport();
      stillHere();
      resource.transportId = info.transportId;
      await session.connect(info.transportId, offer.dtlsParameters);
      stillHere();
      for (const track of offer.accepted) {
        await session.produce(info.transportId, track.kind, track.rtpParameters);
        stillHere();
      }
      const answer = writeAnswer(offer, info);
      this.#watch(resource, log);
      log.info({ tracks: offer.accepted.map((t) => `${t.kind}:${t.rtpParameters.codecs[0]!.mimeType}`), rejected: offer.rejected.length }, 'WHIP session answered');
      return { resourceId: id, answer, etag: resource.etag };
    } catch (err) {
      this.#end(resource, 'the WHIP session could not be set up');
      if (err instanceof WhipError) throw err;
      log.warn({ err: (err as Error).message }, 'WHIP session refused');
      throw new WhipError(422, (err as Error).message);
    }
  }

  /** DELETE: the encoder ends its session; the camera is offline at once. */
  end(slotId: string, resourceId: string): void {
    const resource = this.#resource(slotId, resourceId);
    this.#end(resource, 'the encoder ended its WHIP session');
  }

  /**
   * PATCH with an SDP fragment: trickled candidates (ignored: Régie's side is ICE-lite
   * and learns the encoder's address from its checks) or an ICE restart (new
   * credentials on the same transport: same producers, same tile).
   */
  async patch(slotId: string, resourceId: string, ifMatch: string | undefined, fragment: string): Promise<{ status: 204 } | { status: 200; body: string; etag: string }> {
    const resource = this.#resource(slotId, resourceId);
    if (ifMatch === undefined) throw new WhipError(428, 'a PATCH needs an If-Match header: the ETag of the session, or "*" for an ICE restart');
    // "*" or the session's ETag (strong or weak, possibly in a list).
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    const any = tags.includes('*') || tags.includes('"*"');
    if (!any && !tags.includes(resource.etag)) throw new WhipError(412, 'the If-Match header is not this session\'s ETag (the session was restarted since)');
    // New ICE credentials are what make a restart (RFC 9725 §4.4.2); the same ones carry trickled candidates.
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(fragment)?.[1];
    const pwd = /^a=ice-pwd:(\S+)/m.exec(fragment)?.[1];
    if (ufrag === undefined || pwd === undefined || ufrag === resource.remoteUfrag) return { status: 204 };
    const transportId = resource.session.transportId;
    if (!transportId || transportId !== resource.transportId) throw new WhipError(404, 'this WHIP session has no transport any more; POST a new offer');
    const ice = await resource.session.restartIce(transportId);
    resource.remoteUfrag = ufrag;
    resource.etag = newEtag();
    const candidates = resource.session.iceCandidates ?? [];
    return { status: 200, body: writeIceRestartFragment(resource.offer, ice, candidates), etag: resource.etag };
  }

  /** The slot's camera left for good (grace over, invite renewed, slot deleted): its session ends. */
  left(session: CameraSession): void {
    for (const r of this.#resources.values()) if (r.session === session) this.#forget(r.id);
  }

  /** How many WHIP sessions are up (for the tests and the health check). */
  get size(): number {
    return this.#resources.size;
  }

  close(): void {
    for (const id of [...this.#resources.keys()]) this.#forget(id);
  }

  #resource(slotId: string, resourceId: string): Resource {
    const resource = this.#resources.get(resourceId);
    if (!resource || resource.slotId !== slotId) throw new WhipError(404, 'no such WHIP session (it ended, or was replaced)');
    return resource;
  }

  #watch(resource: Resource, log: Logger): void {
    const { slotId, page, session } = resource;
    resource.connectTimer = setTimeout(() => {
      log.warn({ ms: this.#connectTimeoutMs }, 'WHIP encoder never connected');
      this.#end(resource, `the encoder did not connect within ${Math.round(this.#connectTimeoutMs / 1000)} s of its answer (ICE): check that Régie's UDP port is reachable from it`);
    }, this.#connectTimeoutMs);
    const onConnection = (ice: types.IceState, dtls: types.DtlsState, transportId: string) => {
      if (resource.ended || transportId !== resource.transportId) return;
      if (dtls === 'closed' || dtls === 'failed') {
        this.#end(resource, dtls === 'closed' ? 'the encoder closed its connection' : 'the encoder\'s DTLS handshake failed');
        return;
      }
      const up = (ice === 'connected' || ice === 'completed') && dtls === 'connected';
      if (up && !resource.connected) {
        clearTimeout(resource.connectTimer);
        resource.connected = true;
        if (this.#seats.page(slotId) !== page) this.#seats.join(slotId, page); // back within its grace period
        log.info('WHIP encoder connected');
      } else if (resource.connected && (ice === 'disconnected' || ice === 'closed')) {
        resource.connected = false;
        this.#seats.lost(slotId, page, 'its ICE connection stopped');
      }
    };
    // The media worker died: the transport is gone and an encoder cannot be told to
    // publish again (a page can): the session ends, the encoder's reconnect makes a new one.
    const onLost = () => this.#end(resource, 'Régie\'s media worker stopped; the encoder must reconnect');
    session.on('connection', onConnection);
    session.on('lost', onLost);
    resource.unsubscribe = () => {
      session.off('connection', onConnection);
      session.off('lost', onLost);
    };
  }

  /** The session ends: its camera leaves the slot (if it still holds it) and the resource is forgotten. */
  #end(resource: Resource, how: string): void {
    if (resource.ended) return;
    this.#forget(resource.id);
    this.#seats.closed(resource.slotId, resource.page, 'WHIP', how);
  }

  #forget(id: string): void {
    const resource = this.#resources.get(id);
    if (!resource) return;
    resource.ended = true;
    clearTimeout(resource.connectTimer);
    resource.unsubscribe();
    this.#resources.delete(id);
  }
}
