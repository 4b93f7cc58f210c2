// The switching rules on a fake program desk: sources are plain records, the clock is
// the test's, and a take happens when the test delivers the source's keyframe — as
// the splicer does. Nothing here waits.
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { Conflict, NotFound } from '../errors.js';
import { createLogger } from '../log.js';
import { SLATE_ID, SWITCHING, SwitchingPolicy, type ProgramDesk, type SourceSeen } from './SwitchingPolicy.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

/** The plumbing's part, as the splicer behaves: a take waits for the source's keyframe. */
class FakeDesk implements ProgramDesk {
  onAir: string | undefined;
  pending: string | undefined;
  readonly sources = new Map<string, SourceSeen>();
  readonly takes: string[] = [];
  policy!: SwitchingPolicy;

  source(id: string): SourceSeen | undefined {
    return this.sources.get(id);
  }

  take(id: string): void {
    this.takes.push(id);
    this.pending = id === this.onAir ? undefined : id;
  }

  /** The pending source's keyframe arrives: it is on air. */
  keyframe(): void {
    if (!this.pending) return;
    this.onAir = this.pending;
    this.pending = undefined;
    this.policy.switched(this.onAir);
  }

  add(id: string, label: string, now: number): void {
    this.sources.set(id, { label, present: true, tapped: true, lastVideoAt: now });
    this.policy.sourceAdded();
  }

  /** Video arrives from every present source, and the program's picture goes out. */
  flow(now: number, except: string[] = []): void {
    for (const [id, s] of this.sources) if (s.present && !except.includes(id)) s.lastVideoAt = now;
    if (this.onAir && !except.includes(this.onAir)) this.policy.pictureOut();
  }
}

let now: number;
let desk: FakeDesk;
let policy: SwitchingPolicy;
let changes: number;

/** Time passes in 100 ms ticks, as the plumbing calls the policy; video flows except from `silent`. */
function advance(ms: number, silent: string[] = []): void {
  for (let t = 0; t < ms; t += 100) {
    now += 100;
    desk.flow(now, silent);
    policy.tick();
  }
}

beforeEach(() => {
  now = 1_000_000;
  desk = new FakeDesk();
  policy = new SwitchingPolicy(desk, quiet, { now: () => now });
  desk.policy = policy;
  changes = 0;
  policy.on('changed', () => changes++);
});

/** The show as it starts: slate on air, two cameras connected. */
function started(): void {
  desk.add(SLATE_ID, 'Slate', now);
  desk.keyframe();
  desk.add('north', 'Tower — north', now);
  desk.add('south', 'Tower — south', now);
}

describe('SwitchingPolicy: the program always has a picture', () => {
  it('puts the slate on air as soon as it is there, with nothing else on air', () => {
    policy.tick();
    expect(desk.takes).toEqual([]);
    desk.add(SLATE_ID, 'Slate', now);
    expect(desk.takes).toEqual([SLATE_ID]);
    desk.keyframe();
    expect(desk.onAir).toBe(SLATE_ID);
    desk.add('north', 'North', now);
    expect(desk.takes).toEqual([SLATE_ID]); // a camera joining changes nothing on air
  });

  it('says so when no picture leaves the program, and clears it when one does', () => {
    started();
    advance(SWITCHING.noPictureAlarmMs + 200, [SLATE_ID]);
    // the slate is silent: no fallback for it (it is what covers), but an alarm
    expect(policy.alarm).toMatch(/^No picture on the program for 1 s: no source is sending video$/);
    advance(100);
    expect(policy.alarm).toBeUndefined();
  });
});

describe('SwitchingPolicy: preview and cut', () => {
  beforeEach(started);

  it('a cut puts preview on air at its keyframe, and what was on air goes to preview', () => {
    policy.setPreview('north');
    policy.cut();
    expect(desk.pending).toBe('north');
    expect(policy.tally('north')).toBe('preview'); // taken, not on air yet
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    expect(policy.preview).toBe(SLATE_ID);
    expect(policy.tally('north')).toBe('program');
    expect(policy.tally(SLATE_ID)).toBe('preview');
    expect(policy.tally('south')).toBe('idle');
    expect(policy.intent).toEqual({ program: 'north', preview: SLATE_ID });
    policy.setPreview('south');
    policy.cut();
    desk.keyframe();
    expect([desk.onAir, policy.preview]).toEqual(['south', 'north']);
  });

  it('refuses a cut with nothing in preview, or to a source not sending video; nothing changes', () => {
    expect(() => policy.cut()).toThrow(Conflict);
    desk.sources.get('south')!.tapped = false;
    policy.setPreview('south');
    expect(() => policy.cut()).toThrow(/"Tower — south" is not sending video yet/);
    expect(desk.takes).toEqual([SLATE_ID]);
    expect(() => policy.setPreview('nobody')).toThrow(NotFound);
    expect(policy.preview).toBe('south');
  });
});

describe('SwitchingPolicy: the slate covers a silent source, which comes back to preview', () => {
  beforeEach(() => {
    started();
    policy.setPreview('north');
    policy.cut();
    desk.keyframe();
    policy.setPreview('south'); // the director's next shot
  });

  it('rides out a short silence', () => {
    advance(SWITCHING.slateAfterMs - 100, ['north']);
    expect(desk.onAir).toBe('north');
    expect(policy.fallback).toBeUndefined();
  });

  it('puts the slate on air after the silence, keeps the preview, and says why', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    expect(desk.pending).toBe(SLATE_ID);
    desk.keyframe();
    expect(desk.onAir).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'north', reason: expect.stringMatching(/^no video from "Tower — north" for \d+ ms$/) });
    expect(policy.fallback!.backAt).toBeUndefined();
    expect(policy.awaited).toBe('north'); // keeps flowing in, so its return is seen at once
    expect(policy.preview).toBe('south');
  });

  it('the source back, preview untouched since the slate took over: told, and waiting in preview, one cut away', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(100);
    expect(policy.fallback!.backAt).toBe(now);
    expect(policy.awaited).toBeUndefined();
    expect(desk.onAir).toBe(SLATE_ID); // not on air by itself: the director decides
    expect(policy.preview).toBe('north');
    policy.cut();
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    expect(policy.fallback).toBeUndefined();
  });

  it('the source back after the director picked another preview: told, and that preview is kept', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    desk.add('east', 'East', now);
    policy.setPreview('east');
    advance(100);
    expect(policy.fallback!.backAt).toBe(now);
    expect(policy.preview).toBe('east');
  });

  it('a source that left (producer closed) is covered at once, without waiting for silence', () => {
    desk.sources.get('north')!.present = false;
    policy.tick();
    expect(desk.pending).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'north', reason: '"Tower — north" left' });
  });

  it('a deleted source leaves every bus', () => {
    policy.setPreview('north');
    desk.sources.delete('north');
    policy.sourceRemoved('north');
    expect(policy.preview).toBeUndefined();
    expect(policy.intent.program).toBeUndefined();
  });
});

describe('SwitchingPolicy: a restarted server resumes the show', () => {
  it('the slate covers until the camera that was on air is back, then it is on air by itself; preview as it was', () => {
    desk.add(SLATE_ID, 'Slate', now);
    desk.keyframe();
    policy.resume({ program: 'north', preview: 'south' }, 'Tower — north');
    expect(policy.fallback).toMatchObject({ from: 'north', resume: true, reason: expect.stringMatching(/Régie restarted/) });
    expect(policy.preview).toBe('south');
    advance(1000);
    expect(desk.onAir).toBe(SLATE_ID);
    desk.add('north', 'Tower — north', now);
    advance(100);
    expect(desk.pending).toBe('north');
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    expect(policy.fallback).toBeUndefined();
    expect(policy.intent).toEqual({ program: 'north', preview: 'south' });
  });

  it('the director cutting meanwhile wins over the resume', () => {
    started();
    policy.resume({ program: 'east' }, 'East');
    policy.setPreview('south');
    policy.cut();
    desk.keyframe();
    desk.add('east', 'East', now);
    advance(500);
    expect(desk.onAir).toBe('south');
  });

  it('a slate that was on air resumes as nothing special', () => {
    policy.resume({ program: SLATE_ID }, 'Slate');
    expect(policy.fallback).toBeUndefined();
    expect(changes).toBe(1);
  });
});
