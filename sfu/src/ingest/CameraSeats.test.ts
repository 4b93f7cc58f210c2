// Camera seats on fake pages and sessions, with the test's own clock (fake timers):
// who holds a slot, for how long a dropped phone keeps it, and what each page is told.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.js';
import { CameraSeats, REPLACED, type CameraPage, type SeatedSession } from './CameraSeats.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const GRACE_MS = 20_000;

class FakeSession implements SeatedSession {
  away = false;
  closed = false;
  constructor(readonly slotId: string) {}
  signallingLost() { this.away = true; }
  signallingBack() { this.away = false; }
  close() { this.closed = true; }
}

class FakePage implements CameraPage {
  readonly sent: [string, unknown][] = [];
  dismissed?: string;
  send(event: string, ...args: unknown[]) { this.sent.push([event, args[0]]); }
  dismiss(reason: string) { this.dismissed = reason; }
}

let seats: CameraSeats<FakeSession>;
let opened: string[];
let left: [string, string][];

beforeEach(() => {
  vi.useFakeTimers();
  seats = new CameraSeats({ open: (slotId) => new FakeSession(slotId), rejoinGraceMs: GRACE_MS, log: quiet });
  opened = [];
  left = [];
  seats.on('opened', (slotId) => opened.push(slotId));
  seats.on('left', (slotId, _s, reason) => left.push([slotId, reason]));
});
afterEach(() => vi.useRealTimers());

describe('CameraSeats', () => {
  it('the first page opens the slot\'s session; a page that closes gives the seat up at once', () => {
    const page = new FakePage();
    const { session, rejoined } = seats.join('north', page);
    expect(opened).toEqual(['north']);
    expect(rejoined).toBe(false);
    expect(seats.page('north')).toBe(page);
    seats.closed('north', page, 'transport close');
    expect(left).toEqual([['north', 'the camera page was closed']]);
    expect(session.closed).toBe(true);
    expect(seats.session('north')).toBeUndefined();
  });

  it('a phone that drops keeps its seat and its session through the grace period, and takes them back', () => {
    const first = new FakePage();
    const { session } = seats.join('north', first);
    seats.lost('north', first, 'ping timeout');
    expect(session.away).toBe(true);
    expect(seats.page('north')).toBeUndefined();
    vi.advanceTimersByTime(GRACE_MS - 1);
    const again = new FakePage();
    const back = seats.join('north', again);
    expect(back).toEqual({ session, rejoined: true });
    expect(session.away).toBe(false);
    vi.advanceTimersByTime(GRACE_MS * 2); // the grace timer was cleared
    expect(left).toEqual([]);
    expect(opened).toEqual(['north']); // the same session all along: same producers, same tile
  });

  it('a phone that does not come back in time is gone, with the reason', () => {
    const page = new FakePage();
    const { session } = seats.join('north', page);
    seats.lost('north', page, 'transport error');
    vi.advanceTimersByTime(GRACE_MS);
    expect(left).toEqual([['north', 'lost its connection (transport error) and did not come back within 20 s']]);
    expect(session.closed).toBe(true);
  });

  it('the newest page wins: the one before is dismissed, and its late goodbye changes nothing', () => {
    const phone = new FakePage();
    const tablet = new FakePage();
    seats.join('north', phone);
    seats.join('north', tablet);
    expect(phone.dismissed).toBe(REPLACED);
    expect(seats.page('north')).toBe(tablet);
    seats.closed('north', phone, 'server namespace disconnect');
    seats.lost('north', phone, 'ping timeout');
    expect(left).toEqual([]);
    expect(seats.page('north')).toBe(tablet);
  });

  it('a revoked invite sends its page away and frees the slot', () => {
    const page = new FakePage();
    seats.join('north', page);
    seats.revoke('north', 'This camera link is no longer valid');
    expect(page.dismissed).toBe('This camera link is no longer valid');
    expect(left).toEqual([['north', 'its invite link was revoked']]);
  });

  it('tally: each page is told its state once per change, and a new page is told again', () => {
    const north = new FakePage();
    const south = new FakePage();
    seats.join('north', north);
    seats.join('south', south);
    const onAir = new Map([['north', 'program' as const]]);
    const tally = () => seats.tally((id) => onAir.get(id) ?? 'idle');
    tally();
    tally();
    expect(north.sent).toEqual([['tally', { state: 'program' }]]);
    expect(south.sent).toEqual([['tally', { state: 'idle' }]]);
    onAir.set('south', 'preview' as never);
    tally();
    expect(south.sent.at(-1)).toEqual(['tally', { state: 'preview' }]);
    expect(north.sent).toHaveLength(1);
    const reopened = new FakePage();
    seats.join('north', reopened);
    tally();
    expect(reopened.sent).toEqual([['tally', { state: 'program' }]]);
  });

  it('what every page hears reaches every page there is, and none that dropped', () => {
    const north = new FakePage();
    const south = new FakePage();
    seats.join('north', north);
    seats.join('south', south);
    seats.lost('south', south, 'ping timeout');
    seats.broadcast('countdown', { at: 1, label: 'Midnight' });
    expect(north.sent).toEqual([['countdown', { at: 1, label: 'Midnight' }]]);
    expect(south.sent).toEqual([]);
  });

  it('close releases every session', () => {
    const sessions = ['a', 'b'].map((id) => seats.join(id, new FakePage()).session);
    seats.lost('b', seats.page('b')!, 'ping timeout');
    seats.close();
    expect(sessions.every((s) => s.closed)).toBe(true);
    vi.advanceTimersByTime(GRACE_MS);
    expect(left.map(([id]) => id)).toEqual(['a', 'b']);
  });
});
