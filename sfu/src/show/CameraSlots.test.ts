import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { CameraSession } from '../ingest/CameraSession.js';
import { openTestDatabase, tempDataDir } from '../store/dataDir.fixture.js';
import { ShowStore } from '../store/ShowStore.js';
import { CameraSlots } from './CameraSlots.js';

/** A camera session as the show sees it: which producers it has and whether media flows. */
class FakeSession extends EventEmitter {
  media: 'none' | 'flowing' | 'stalled' = 'none';
  routerId = 'router-1';
  stats = undefined;
  away = false;
  status?: { paused?: 'background' | 'camera-unavailable'; micMuted: boolean; quality: { height: 720; fps: 30 }; torch: boolean };
  history = [];
  recovered = undefined;
  video?: { id: string; rtpParameters: { codecs: { mimeType: string }[]; encodings: unknown[] } };
  constructor(readonly slotId: string) { super(); }
  producer(kind: string) { return kind === 'video' ? this.video : undefined; }
}

const newShow = () => {
  const dir = tempDataDir();
  return new CameraSlots(new ShowStore(openTestDatabase(dir), dir));
};
const tick = () => new Promise((r) => setImmediate(r));

describe('CameraSlots', () => {
  it('follows a camera from waiting to live to stalled to offline, keeping its slot', () => {
    const show = newShow();
    const slot = show.createSlot('north');
    const state = () => show.view()[0]!;
    expect(state().state).toBe('waiting');
    const session = new FakeSession(slot.id);
    show.attach(session as unknown as CameraSession);
    expect(state().state).toBe('connecting');
    session.video = { id: 'p1', rtpParameters: { codecs: [{ mimeType: 'video/H264' }], encodings: [{}, {}, {}] } };
    session.media = 'flowing';
    expect(state()).toMatchObject({ state: 'live', video: { producerId: 'p1', routerId: 'router-1' } });
    expect(state().videoFormat).toEqual({ codec: 'H264', layers: 3, onAir: true });
    session.media = 'stalled';
    expect(state().state).toBe('stalled');
    expect(state().reason).toMatch(/no video/);
    show.detach(session as unknown as CameraSession, 'the camera page was closed');
    expect(state()).toMatchObject({ state: 'offline', reason: 'the camera page was closed', id: slot.id });
    expect(state().video).toBeUndefined();
  });

  it('ignores the departure of a page that a newer one already replaced', () => {
    const show = newShow();
    const slot = show.createSlot('north');
    const old = new FakeSession(slot.id);
    const fresh = new FakeSession(slot.id);
    show.attach(old as unknown as CameraSession);
    show.attach(fresh as unknown as CameraSession);
    show.detach(old as unknown as CameraSession, 'replaced');
    expect(show.view()[0]!.state).toBe('connecting');
  });

  it('coalesces many changes into one update for the directors', async () => {
    const show = newShow();
    let updates = 0;
    show.on('changed', () => updates++);
    for (let i = 0; i < 5; i++) show.createSlot(`cam ${i}`);
    await tick();
    expect(updates).toBe(1);
  });

  it('revokes the invite when a slot is deleted or its link renewed', () => {
    const show = newShow();
    const a = show.createSlot('a');
    const revoked: string[] = [];
    show.on('inviteRevoked', (id) => revoked.push(id));
    show.renewInvite(a.id);
    expect(show.slotForInvite(a.inviteToken)).toBeUndefined();
    show.deleteSlot(a.id);
    expect(revoked).toEqual([a.id, a.id]);
    expect(() => show.deleteSlot(a.id)).toThrow(/no camera slot/);
  });

  it('talkback goes to one slot or all, is marked read only by its own id, and waits for a page that was away', () => {
    const show = newShow();
    const a = show.createSlot('a');
    const b = show.createSlot('b');
    const sent: [string, string][] = [];
    show.on('talkback', (slotId, m) => sent.push([slotId, m.text]));
    const [one] = show.sendTalkback('hello a', a.id);
    expect(sent).toEqual([[a.id, 'hello a']]);
    expect(show.pendingTalkback(a.id)?.text).toBe('hello a');
    expect(() => show.ackTalkback(a.id, 'ffffffffffff')).toThrow(/no such message/);
    expect(() => show.ackTalkback(b.id, one!)).toThrow(/no such message/); // b cannot ack a's message
    show.ackTalkback(a.id, one!);
    expect(show.pendingTalkback(a.id)).toBeUndefined();
    expect(show.view().find((s) => s.id === a.id)?.talkback?.readAt).toBeGreaterThan(0);
    expect(show.sendTalkback('all of you')).toHaveLength(2);
    expect(() => show.sendTalkback('x', 'aaaaaaaaaaaa')).toThrow(/no camera slot/);
  });

  it('a camera whose connection dropped is "reconnecting" (slot, producers kept) until its media or its page is back', () => {
    const show = newShow();
    const slot = show.createSlot('north');
    const session = new FakeSession(slot.id);
    show.attach(session as unknown as CameraSession);
    session.video = { id: 'p1', rtpParameters: { codecs: [{ mimeType: 'video/H264' }], encodings: [{}, {}, {}] } };
    session.media = 'stalled';
    session.away = true;
    expect(show.view()[0]).toMatchObject({ state: 'reconnecting', video: { producerId: 'p1' } });
    expect(show.view()[0]!.reason).toMatch(/comes back by itself/);
    session.media = 'flowing'; // the picture is back before the signalling: it is live
    expect(show.view()[0]!.state).toBe('live');
  });

  it('a page that says it is paused shows "paused" with the reason in words', () => {
    const show = newShow();
    const slot = show.createSlot('north');
    const session = new FakeSession(slot.id);
    show.attach(session as unknown as CameraSession);
    session.video = { id: 'p1', rtpParameters: { codecs: [{ mimeType: 'video/H264' }], encodings: [{}, {}, {}] } };
    session.media = 'flowing';
    session.status = { paused: 'background', micMuted: true, quality: { height: 720, fps: 30 }, torch: false };
    expect(show.view()[0]).toMatchObject({ state: 'paused', camera: { micMuted: true } });
    expect(show.view()[0]!.reason).toMatch(/background/);
    session.status = { paused: 'camera-unavailable', micMuted: false, quality: { height: 720, fps: 30 }, torch: false };
    expect(show.view()[0]!.reason).toMatch(/another app/);
  });

  it('asks a connected camera for a quality, and refuses one that is not there', () => {
    const show = newShow();
    const slot = show.createSlot('north');
    const asked: unknown[] = [];
    show.on('quality', (id, q) => asked.push([id, q]));
    expect(() => show.requestQuality(slot.id, { height: 480, fps: 30 })).toThrow(/not connected/);
    const session = new FakeSession(slot.id);
    show.attach(session as unknown as CameraSession);
    show.requestQuality(slot.id, { height: 480, fps: 30 });
    expect(asked).toEqual([[slot.id, { height: 480, fps: 30 }]]);
    session.away = true;
    expect(() => show.requestQuality(slot.id, { height: 360, fps: 15 })).toThrow(/not connected/);
    expect(() => show.requestQuality('aaaaaaaaaaaa', { height: 360, fps: 15 })).toThrow(/no camera slot/);
  });
});
