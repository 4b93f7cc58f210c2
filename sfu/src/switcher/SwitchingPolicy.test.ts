// The switching rules on a fake program desk: sources are plain records, the clock is the test's,
// and a take happens when the test delivers the source's keyframe (as the splicer does). Nothing waits.
import { beforeEach, describe, expect, it } from 'vitest';
import { Conflict, NotFound } from '../errors.js';
import { FakeDesk, quiet } from './SwitchingPolicy.fixture.js';
import { SLATE_ID } from './ProgramDesk.js';
import { SWITCHING } from './switchingSettings.js';
import { SwitchingPolicy } from './SwitchingPolicy.js';

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

  it('refuses a cut to a camera whose codec cannot go on air, saying what to do', () => {
    desk.sources.get('south')!.codec = 'video/VP8';
    policy.setPreview('south');
    expect(() => policy.cut()).toThrow(/^"Tower — south" sends VP8 video, and only H.264 can go on air while the program mixer is down: wait for it to be back, or open its camera link in Chrome/);
    expect(desk.takes).toEqual([SLATE_ID]);
    desk.sources.get('north')!.codec = 'video/H264';
    policy.setPreview('north');
    policy.cut();
    expect(desk.pending).toBe('north');
  });

  it('puts any codec the plumbing takes on air, with the director\'s transition (the mixer decodes VP8)', () => {
    desk.codecs = ['video/H264', 'video/VP8', 'video/VP9'];
    desk.sources.get('south')!.codec = 'video/VP8';
    policy.setPreview('south');
    policy.cut({ kind: 'mix', ms: 500 });
    expect(desk.takes.at(-1)).toBe('south');
    expect(desk.transitions.at(-1)).toEqual({ kind: 'mix', ms: 500 });
    desk.keyframe();
    expect(desk.onAir).toBe('south');
    expect(policy.preview).toBe(SLATE_ID);
  });

  it('a cut to a camera that leaves before its keyframe is abandoned: the program stays, the shot is back in preview', () => {
    policy.setPreview('north');
    policy.cut();
    expect(policy.preview).toBe(SLATE_ID);
    desk.sources.get('north')!.present = false;
    policy.tick();
    expect(desk.pending).toBeUndefined();
    expect(desk.onAir).toBe(SLATE_ID);
    expect(policy.abandoned).toMatchObject({ source: 'north', reason: '"Tower — north" left before it could go on air' });
    expect(policy.preview).toBe('north');
    expect(policy.tally('north')).toBe('preview');
    policy.setPreview('south');
    expect(policy.abandoned).toBeUndefined(); // the sign goes with the next choice
  });

  it('a slow cut says why after a second and asks for a keyframe again; after 5 s it is abandoned', () => {
    policy.setPreview('north');
    policy.cut();
    advance(SWITCHING.cutSlowMs - 100);
    expect(policy.slow).toBeUndefined();
    advance(100);
    expect(policy.slow).toBe('waiting for a keyframe from "Tower — north" (asked again)');
    expect(desk.keyframesAsked).toBe(1);
    advance(SWITCHING.cutGiveUpMs - SWITCHING.cutSlowMs);
    expect(desk.pending).toBeUndefined();
    expect(policy.slow).toBeUndefined();
    expect(policy.abandoned!.reason).toMatch(/^"Tower — north" sent no picture to cut on in 5 s/);
    expect(policy.intent.program).toBe(SLATE_ID); // what a restart would put back is what is on air
  });

  it('a cut to a camera sending nothing says so', () => {
    policy.setPreview('north');
    policy.cut();
    advance(SWITCHING.cutSlowMs, ['north']);
    expect(policy.slow).toBe('no video is arriving from "Tower — north"');
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

  it('as the director chose: a stalled camera\'s last picture dissolves into the slate; one that left is cut from', () => {
    policy.slateTransition = { kind: 'mix', ms: 1000 };
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    expect(desk.takes.at(-1)).toBe(SLATE_ID);
    expect(desk.transitions.at(-1)).toEqual({ kind: 'mix', ms: 1000 });
    desk.keyframe();
    // north back on air (a glitch), then it leaves for good
    advance(SWITCHING.steadyMs + 200);
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    desk.sources.get('north')!.present = false;
    advance(100, ['north']);
    expect(desk.takes.at(-1)).toBe(SLATE_ID);
    expect(desk.transitions.at(-1)).toBeUndefined();
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

  it('a glitch: back and steady within 3 s, it is on air again by itself, and the preview is left alone', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(1000, ['north']); // the outage goes on a while (under 3 s from the slate)
    advance(SWITCHING.steadyMs - 100);
    expect(desk.pending).toBeUndefined(); // back, not yet steady
    advance(200);
    expect(desk.pending).toBe('north');
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    expect(policy.fallback).toBeUndefined();
    expect(policy.preview).toBe('south');
    expect(policy.intent.program).toBe('north');
  });

  it('a return by itself that does not happen (the camera left before its keyframe) leaves the preview alone', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(SWITCHING.steadyMs + 100);
    expect(desk.pending).toBe('north');
    desk.sources.get('north')!.present = false;
    policy.tick();
    expect(desk.pending).toBeUndefined();
    expect(desk.onAir).toBe(SLATE_ID);
    expect(policy.preview).toBe('south');
    expect(policy.intent.program).toBe('north'); // still covered, still what a restart puts back
    expect(policy.fallback).toMatchObject({ from: 'north' }); // the slate covers it again, and says so
  });

  it('a cut made while the slate covers a camera, abandoned, puts the cover back', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    policy.setPreview('south');
    policy.cut();
    expect(policy.fallback).toBeUndefined();
    desk.sources.get('south')!.present = false;
    policy.tick();
    expect(desk.onAir).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'north' });
    expect(policy.awaited).toBe('north');
  });

  it('a flicker is not steady: back for a moment, then silent again, it stays covered', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(200);
    advance(600, ['north']);
    expect(desk.onAir).toBe(SLATE_ID);
    expect(desk.takes.at(-1)).toBe(SLATE_ID);
  });

  it('back after 3 s (no return by itself): told, and waiting in preview if the preview was untouched, one cut away', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(SWITCHING.autoReturnMs + 100, ['north']);
    advance(100);
    expect(policy.fallback!.backAt).toBe(now);
    expect(policy.awaited).toBe('north'); // still flowing in: its going silent again is seen too
    expect(desk.onAir).toBe(SLATE_ID); // not on air by itself: the director decides
    expect(policy.preview).toBe('north');
    policy.cut();
    desk.keyframe();
    expect(desk.onAir).toBe('north');
    expect(policy.fallback).toBeUndefined();
  });

  it('back after 3 s, the director having picked another preview meanwhile: told, and that preview is kept', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    desk.add('east', 'East', now);
    policy.setPreview('east');
    advance(SWITCHING.autoReturnMs + 100, ['north']);
    advance(100);
    expect(policy.fallback!.backAt).toBe(now);
    expect(policy.preview).toBe('east');
  });

  it('back, then gone again: no longer said to be back', () => {
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(SWITCHING.autoReturnMs + 100, ['north']);
    advance(100);
    expect(policy.fallback!.backAt).toBeDefined();
    advance(SWITCHING.slateAfterMs + 200, ['north']);
    expect(policy.fallback!.backAt).toBeUndefined();
    expect(policy.fallbackView).toEqual({ from: 'north', reason: expect.any(String) });
  });

  it('with automatic return off, a glitch waits for the director as before', () => {
    policy = new SwitchingPolicy(desk, quiet, { now: () => now, settings: { ...SWITCHING, autoReturnMs: 0 } });
    desk.policy = policy;
    policy.setPreview('north');
    advance(SWITCHING.slateAfterMs + 100, ['north']);
    desk.keyframe();
    advance(1000);
    expect(desk.onAir).toBe(SLATE_ID);
    expect(policy.fallback!.backAt).toBeDefined();
  });

  it('a source that left (producer closed) is covered at once, without waiting for silence', () => {
    desk.sources.get('north')!.present = false;
    policy.tick();
    expect(desk.pending).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'north', reason: '"Tower — north" left' });
  });

  it('a director\'s cut on its way to a sending camera is not thrown away by the slate when the on-air camera leaves: it lands', () => {
    policy.cut(); // to south: waiting for its keyframe
    expect(desk.pending).toBe('south');
    desk.sources.get('north')!.present = false;
    advance(500);
    expect(desk.pending).toBe('south');
    expect(policy.fallback).toBeUndefined();
    desk.keyframe();
    expect(desk.onAir).toBe('south');
  });

  it('the same cut slow to land (no keyframe): after a second the slate covers the dead camera, and the cut still lands', () => {
    policy.cut();
    desk.sources.get('north')!.present = false;
    advance(SWITCHING.cutSlowMs - 200);
    expect(desk.pending).toBe('south');
    advance(400);
    expect(desk.pending).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'south', reason: '"Tower — north" left; the cut to "Tower — south" waits for its picture' });
    desk.keyframe(); // the slate
    advance(100); // (south sends already: taken again at once, its keyframe asked for again)
    expect(desk.pending).toBe('south');
    desk.keyframe();
    expect(desk.onAir).toBe('south');
  });

  it('the same cut to a camera that falls silent too: the slate covers, and the camera cut to goes on air when it is back, not the one cut away from', () => {
    policy.cut();
    advance(SWITCHING.slateAfterMs + 100, ['north', 'south']); // (both cameras of one starved browser)
    expect(desk.pending).toBe(SLATE_ID);
    expect(policy.fallback).toMatchObject({ from: 'south' });
    expect(policy.fallback!.reason).toMatch(/^no video from "Tower — north" for \d+ ms; the cut to "Tower — south" waits for its picture$/);
    desk.keyframe();
    advance(SWITCHING.steadyMs + 300, ['south']); // north is back first: it stays off air
    expect(desk.onAir).toBe(SLATE_ID);
    expect(desk.pending).toBeUndefined();
    advance(SWITCHING.steadyMs + 100);
    expect(desk.pending).toBe('south');
    desk.keyframe();
    expect(desk.onAir).toBe('south');
  });

  it('a camera the slate waits for, deleted: the slate stays, and nothing says it waits for it', () => {
    policy.cut();
    advance(SWITCHING.slateAfterMs + 100, ['north', 'south']);
    desk.keyframe();
    expect(policy.fallback).toMatchObject({ from: 'south' });
    desk.sources.delete('south');
    policy.sourceRemoved('south');
    expect(policy.fallback).toBeUndefined();
    advance(SWITCHING.autoReturnMs + 1000);
    expect(desk.onAir).toBe(SLATE_ID);
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
