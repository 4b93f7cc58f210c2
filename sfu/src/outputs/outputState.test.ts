import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../shared/src/backoff.js';
import { classifyError, RECONNECT, RECONNECT_PERMANENT, initialStatus, nextStatus, PERMANENT, type OutputEvent, type OutputStatus } from './outputState.js';

const run = (events: OutputEvent[], from: OutputStatus = initialStatus()) => events.reduce(nextStatus, from);
const progress: OutputEvent = { type: 'progress', acceptedBytes: 100000, at: 1000 };

describe('output state machine', () => {
  it('idle → connecting → live on accepted bytes', () => {
    expect(run([{ type: 'start' }]).state).toBe('connecting');
    expect(run([{ type: 'start' }, progress])).toMatchObject({ state: 'live', liveSince: 1000, attempt: 0 });
  });

  it('live → reconnecting on a drop, counted once; live again on bytes', () => {
    const s = run([{ type: 'start' }, progress, { type: 'exited', error: 'the connection dropped', kind: 'network' }]);
    expect(s).toMatchObject({ state: 'reconnecting', reconnects: 1, lastError: 'the connection dropped', errorKind: 'network' });
    const again = run([{ type: 'start' }, { type: 'exited', error: 'refused', kind: 'refused' }, { type: 'start' }, progress], s);
    expect(again).toMatchObject({ state: 'live', reconnects: 1, attempt: 0 });
  });

  it('a frozen peer takes it out of live', () => {
    expect(run([{ type: 'start' }, progress, { type: 'stalled', why: 'no answer' }])).toMatchObject({ state: 'reconnecting', errorKind: 'stalled' });
  });

  it('live with no program to send is not called live; live again when media is accepted', () => {
    const starved = run([{ type: 'start' }, progress, { type: 'starved', why: 'no program to send' }]);
    expect(starved).toMatchObject({ state: 'waiting', lastError: 'no program to send', liveSince: undefined });
    expect(run([{ ...progress, at: 5000 }], starved)).toMatchObject({ state: 'live', liveSince: 5000 });
    expect(run([{ type: 'starved', why: 'x' }]).state).toBe('idle'); // only a live output starves
    expect(run([{ type: 'exited', error: 'dropped', kind: 'network' }], starved)).toMatchObject({ state: 'reconnecting', reconnects: 1 });
  });

  it('errors that retrying cannot fix are failed at once', () => {
    for (const kind of ['rejected', 'unknown-host', 'bad-url'] as const) {
      expect(run([{ type: 'start' }, { type: 'exited', error: 'x', kind }]).state).toBe('failed');
    }
  });

  it('a failed destination stays failed, with its cause, while it retries; live again clears the cause', () => {
    const failed = run([{ type: 'start' }, { type: 'exited', error: 'unknown host: check the server address', kind: 'unknown-host' }]);
    const retrying = run([{ type: 'start' }], failed);
    expect(retrying).toMatchObject({ state: 'failed', lastError: 'unknown host: check the server address', errorKind: 'unknown-host', attempt: 2 });
    expect(run([{ type: 'exited', error: 'unknown host: check the server address', kind: 'unknown-host' }, { type: 'start' }], retrying).state).toBe('failed');
    expect(run([progress], retrying)).toMatchObject({ state: 'live', lastError: undefined, errorKind: undefined });
    // the director retrying (or changing the key) starts afresh: the old cause no longer stands
    expect(run([{ type: 'start', fresh: true }], retrying)).toMatchObject({ state: 'connecting', lastError: undefined, errorKind: undefined });
    // a cause retrying can fix, after a permanent one, is reconnecting again
    expect(run([{ type: 'exited', error: 'refused', kind: 'refused' }], retrying).state).toBe('reconnecting');
  });

  it('stop wins over everything, and late events do not revive it; a stopped destination shows no old error', () => {
    const s = run([{ type: 'start' }, progress, { type: 'stop' }, progress, { type: 'exited', error: 'x', kind: 'network' }]);
    expect(s.state).toBe('stopped');
    const afterFailure = run([{ type: 'start' }, { type: 'exited', error: 'refused key', kind: 'rejected' }, { type: 'stop' }]);
    expect(afterFailure).toMatchObject({ state: 'stopped', lastError: undefined, errorKind: undefined });
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter and is capped', () => {
    expect(backoffMs(1, RECONNECT, () => 0.5)).toBe(500);
    expect(backoffMs(3, RECONNECT, () => 0.5)).toBe(2000);
    expect(backoffMs(20, RECONNECT, () => 0.5)).toBe(5000);
    expect(backoffMs(20, RECONNECT_PERMANENT, () => 0.5)).toBe(60000);
    const spread = new Set(Array.from({ length: 20 }, () => backoffMs(4, RECONNECT)));
    expect(spread.size).toBeGreaterThan(5); // jittered: destinations do not retry in lockstep
    for (const v of spread) expect(v).toBeGreaterThanOrEqual(3000);
  });
});

describe('classifyError', () => {
  it('a context address that happens to hold 401 or 403 is not a refusal (the real cause is named)', () => {
    expect(classifyError('[srt @ 0x55d3cf401fc0] Invalid argument\nsrt://: Invalid argument').kind).toBe('bad-url');
    expect(classifyError('[tls @ 0x5640a4031c0] error\nServer returned 403 Forbidden').kind).toBe('rejected');
    expect(classifyError('HTTP error 401 Unauthorized').kind).toBe('rejected');
  });
  it('a remux that cannot be run is this machine\'s problem, retried, and says how to fix it', () => {
    const c = classifyError('cannot run ffmpeg: spawn setpriv ENOENT (is ffmpeg installed?)');
    expect(c.kind).toBe('cannot-run');
    expect(PERMANENT.has(c.kind)).toBe(false);
    expect(c.message).toMatch(/^ffmpeg cannot be run on this server/);
    expect(c.message).toMatch(/apt-get install ffmpeg/);
  });
  it('names what ffmpeg says in words a director understands', () => {
    expect(classifyError('[tcp @ 0x1] Failed to resolve hostname x.invalid: Temporary failure in name resolution').kind).toBe('unknown-host');
    expect(classifyError('Connection to tcp://127.0.0.1:1 failed: Connection refused').kind).toBe('refused');
    expect(classifyError('Server error: Forbidden').kind).toBe('rejected');
    expect(classifyError('av_interleaved_write_frame(): Broken pipe').kind).toBe('network');
    expect(classifyError('').message).toBe('the connection ended');
  });
});
