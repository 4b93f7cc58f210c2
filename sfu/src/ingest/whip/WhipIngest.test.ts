// WHIP sessions in their slots: who may take a slot, and what the transport's states
// mean for a camera without signalling. Real seats; fake camera sessions (the media
// side is the e2e test's, with a real encoder and a real SFU).
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getSupportedRtpCapabilities, type types } from 'mediasoup';
import { CameraSeats, type CameraPage } from '../CameraSeats.js';
import type { CameraSession } from '../CameraSession.js';
import { createLogger } from '../../log.js';
import { MEDIA_CODECS } from '../../media/codecs.js';
import { WhipError, WhipIngest } from './WhipIngest.js';

const FP = 'sha-256 4F:90:0B:2C:8D:1E:6A:53:9C:77:31:0E:A2:4B:5D:C6:11:8F:E0:29:73:BA:4C:D5:6E:0F:91:A8:32:7B:C4:D2';
const OFFER = [
  'v=0', 'o=- 1 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', `a=fingerprint:${FP}`, 'a=setup:actpass',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendonly', 'a=rtcp-mux',
  'a=rtpmap:96 H264/90000', 'a=fmtp:96 profile-level-id=42e01f;packetization-mode=1', 'a=ssrc:1 cname:x', '',
].join('\r\n');

/** The router's capabilities as Régie configures them (its codecs; no worker needed here). */
const capabilities = { codecs: MEDIA_CODECS, headerExtensions: getSupportedRtpCapabilities().headerExtensions } as types.RtpCapabilities;

class FakeSession extends EventEmitter {
  away = false;
  closed = false;
  sender = 'page';
  transportId: string | undefined;
  produced: string[] = [];
  iceCandidates: types.IceCandidate[] = [{ foundation: 'u', priority: 1, address: '127.0.0.1', ip: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' }];
  constructor(readonly slotId: string) {
    super();
  }
  signallingLost() { this.away = true; }
  signallingBack() { this.away = false; }
  close() { this.closed = true; this.transportId = undefined; }
  media: 'none' | 'flowing' | 'stalled' = 'none';
  async createTransport() {
    if (this.closed) throw new Error('closed');
    await new Promise((r) => setImmediate(r)); // as mediasoup: made in another process
    this.transportId = `t${Math.random()}`;
    return {
      transportId: this.transportId,
      iceParameters: { usernameFragment: 'srv', password: 'pwd', iceLite: true },
      iceCandidates: this.iceCandidates,
      dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
    };
  }
  async connect() {}
  async produce(_t: string, kind: string) { this.produced.push(kind); }
  async restartIce() { return { usernameFragment: 'new', password: 'newpwd', iceLite: true }; }
  /** what mediasoup's transport would say */
  state(ice: types.IceState, dtls: types.DtlsState) { this.emit('connection', ice, dtls, this.transportId); }
}

const log = createLogger('silent');
let seats: CameraSeats<FakeSession>;
let whip: WhipIngest;
const sessions: FakeSession[] = [];
const left: string[] = [];

beforeEach(() => {
  sessions.length = 0;
  left.length = 0;
  seats = new CameraSeats<FakeSession>({ open: (slotId) => { const s = new FakeSession(slotId); sessions.push(s); return s; }, rejoinGraceMs: 30_000, log });
  seats.on('left', (_slotId, session, reason) => { left.push(reason); whip.left(session as unknown as CameraSession); });
  whip = new WhipIngest({
    seats: {
      page: (slotId) => seats.page(slotId),
      join: (slotId, page) => seats.join(slotId, page).session as unknown as CameraSession,
      closed: (slotId, page, how, reason) => seats.closed(slotId, page, how, reason),
      lost: (slotId, page, why) => seats.lost(slotId, page, why),
    },
    capabilities: () => capabilities,
    connectTimeoutMs: 20_000,
    log,
  });
});
afterEach(() => {
  whip.close();
  seats.close();
  vi.useRealTimers();
});

const statusOf = async (work: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    if (err instanceof WhipError) return err.status;
    throw err;
  }
  return 'ok';
};

describe('WHIP sessions in their slot', () => {
  it('a POST seats the encoder in the slot, produces what it offered and answers', async () => {
    const { resourceId, answer, etag } = await whip.publish('slot1', OFFER);
    expect(resourceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(answer).toContain('a=recvonly');
    expect(sessions[0]!.produced).toEqual(['video']);
  });

  it('a slot with a connected encoder or a camera page refuses a second sender (409); one never connected is replaced', async () => {
    const first = await whip.publish('slot1', OFFER);
    // not connected yet (an encoder that died between POST and ICE): the newest takes the slot
    const second = await whip.publish('slot1', OFFER);
    expect(await statusOf(() => whip.end('slot1', first.resourceId))).toBe(404);
    sessions[0]!.state('completed', 'connected');
    expect(await statusOf(whip.publish('slot1', OFFER))).toBe(409);
    expect(whip.size).toBe(1);
    // a phone holds the other slot
    const phone: CameraPage = { send: () => {}, dismiss: () => {} };
    seats.join('slot2', phone);
    expect(await statusOf(whip.publish('slot2', OFFER))).toBe(409);
    expect(seats.page('slot2')).toBe(phone);
    whip.end('slot1', second.resourceId);
  });

  it('two POSTs at once: the second is refused (409), nothing is raced', async () => {
    const [a, b] = await Promise.allSettled([whip.publish('slot1', OFFER), whip.publish('slot1', OFFER)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && (b.reason as WhipError).status).toBe(409);
    expect(whip.size).toBe(1);
  });

  it('an encoder whose media stopped (crashed: ICE still looks up for 15 s) is replaced by its next POST', async () => {
    await whip.publish('slot1', OFFER);
    sessions[0]!.state('completed', 'connected');
    sessions[0]!.media = 'stalled';
    expect(await statusOf(whip.publish('slot1', OFFER))).toBe('ok');
    expect(whip.size).toBe(1);
  });

  it('the slot taken or closed during set-up: no answer, nothing left behind', async () => {
    const phone: CameraPage = { send: () => {}, dismiss: () => {} };
    const posting = whip.publish('slot1', OFFER);
    seats.join('slot1', phone); // a phone took the slot while the transport was being made
    expect(await statusOf(posting)).toBe(409);
    expect(seats.page('slot1')).toBe(phone);
    expect(whip.size).toBe(0);
    seats.close();
    const posting2 = whip.publish('slot2', OFFER);
    seats.leave('slot2', 'slot deleted');
    expect(await statusOf(posting2)).toBe(409);
    expect(whip.size).toBe(0);
  });

  it('a phone that takes the slot of a lost encoder keeps it: the encoder\'s session is dismissed, its old transport\'s events ignored', async () => {
    await whip.publish('slot1', OFFER);
    const session = sessions[0]!;
    session.state('completed', 'connected');
    session.state('disconnected', 'connected');
    const dismissed: string[] = [];
    const phone: CameraPage = { send: () => {}, dismiss: (r) => dismissed.push(r) };
    seats.join('slot1', phone);
    expect(whip.size).toBe(0);
    // the phone's own transport (same camera session) connects, then closes
    session.transportId = 'the-phone-s';
    session.emit('connection', 'completed', 'connected', 'the-phone-s');
    session.emit('connection', 'completed', 'closed', 'the-phone-s');
    expect(seats.page('slot1')).toBe(phone);
    expect(dismissed).toEqual([]);
    expect(left).toEqual([]);
  });

  it('DELETE: the camera leaves at once, with the reason', async () => {
    const { resourceId } = await whip.publish('slot1', OFFER);
    sessions[0]!.state('completed', 'connected');
    whip.end('slot1', resourceId);
    expect(left).toEqual(['the encoder ended its WHIP session']);
    expect(sessions[0]!.closed).toBe(true);
    expect(await statusOf(() => whip.end('slot1', resourceId))).toBe(404);
    expect(await statusOf(() => whip.end('other', resourceId))).toBe(404);
  });

  it('ICE that stops keeps the slot for the encoder (reconnecting); a DELETE then, or its next POST, are taken', async () => {
    const { resourceId } = await whip.publish('slot1', OFFER);
    const session = sessions[0]!;
    session.state('completed', 'connected');
    session.state('disconnected', 'connected');
    expect(session.away).toBe(true);
    expect(seats.page('slot1')).toBeUndefined();
    // consent comes back on the same transport: the same session holds the slot again
    session.state('completed', 'connected');
    expect(session.away).toBe(false);
    expect(seats.page('slot1')).toBeDefined();
    session.state('disconnected', 'connected');
    // its DELETE, sent late over another network, still ends it
    whip.end('slot1', resourceId);
    expect(left).toEqual(['the encoder ended its WHIP session']);

    await whip.publish('slot1', OFFER);
    sessions[1]!.state('completed', 'connected');
    sessions[1]!.state('disconnected', 'connected');
    // the encoder comes back with a new POST: same slot, same seat (no offline in between)
    await whip.publish('slot1', OFFER);
    expect(left).toHaveLength(1);
    expect(whip.size).toBe(1);
  });

  it('an encoder that never connects is given up, and one whose DTLS closes leaves at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await whip.publish('slot1', OFFER);
    vi.advanceTimersByTime(20_001);
    expect(left[0]).toMatch(/did not connect within 20 s.*UDP port/);
    expect(whip.size).toBe(0);

    await whip.publish('slot1', OFFER);
    sessions[1]!.state('completed', 'connected');
    vi.advanceTimersByTime(60_000); // connected: no timeout
    expect(left).toHaveLength(1);
    sessions[1]!.state('completed', 'closed');
    expect(left[1]).toBe('the encoder closed its connection');
  });

  it('the media worker dying ends the session (an encoder cannot be asked to publish again)', async () => {
    await whip.publish('slot1', OFFER);
    sessions[0]!.state('completed', 'connected');
    sessions[0]!.emit('lost', 'worker died');
    expect(left[0]).toMatch(/media worker stopped/);
    expect(whip.size).toBe(0);
  });

  it('PATCH: If-Match required (428) and checked (412); candidates 204; an ICE restart 200 with a new ETag', async () => {
    const { resourceId, etag } = await whip.publish('slot1', OFFER);
    const trickle = 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=candidate:1 1 udp 1 10.0.0.1 9 typ host\r\n';
    expect(await statusOf(whip.patch('slot1', resourceId, undefined, trickle))).toBe(428);
    expect(await statusOf(whip.patch('slot1', resourceId, '"other"', trickle))).toBe(412);
    expect(await whip.patch('slot1', resourceId, etag, trickle)).toEqual({ status: 204 });
    const restart = await whip.patch('slot1', resourceId, '*', 'a=ice-ufrag:c\r\na=ice-pwd:dddddddddddddddddddddd\r\n');
    expect(restart).toMatchObject({ status: 200, body: expect.stringContaining('a=ice-ufrag:new') });
    expect((restart as { etag: string }).etag).not.toBe(etag);
    expect(await statusOf(whip.patch('slot1', resourceId, etag, trickle))).toBe(412); // the old ETag is stale now
    // the same credentials again are trickle, even under "*" (quoted, as RFC 9725's example writes it)
    expect(await whip.patch('slot1', resourceId, '"*"', 'a=ice-ufrag:c\r\na=ice-pwd:dddddddddddddddddddddd\r\n')).toEqual({ status: 204 });
    expect(await statusOf(whip.patch('slot1', 'A'.repeat(22), '*', trickle))).toBe(404);
  });

  it('an offer that cannot be read is refused before the slot is touched', async () => {
    expect(await statusOf(whip.publish('slot1', 'v=0\r\n'))).toBe(400);
    expect(await statusOf(whip.publish('slot1', OFFER.replace('H264/90000', 'H265/90000')))).toBe(422);
    expect(sessions).toHaveLength(0);
    expect(seats.page('slot1')).toBeUndefined();
  });
});
