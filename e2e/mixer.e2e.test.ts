// The program mixer, end to end: real Chromium cameras, the real mixer (GStreamer), the
// real encoder and a real RTMP receiver whose frames are decoded and their colour read
// back: transitions, the T-bar, a VP8-only camera, layouts, the preview, graphics, and
// the mixer or the on-air camera dying without the program stalling.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { NginxRtmp } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { classify, videoColor } from '../testkit/colour.js';
import { addCameraSlot, addTwoCameras, openStudio, startStreaming, waitForMonitorColour, waitForTileColour, type StreamingCamera } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let viewer: ColourViewer;
let cams: Record<'red' | 'blue', StreamingCamera>;
const nginx = new NginxRtmp();
const KEY = 'mixer-key';

const mixerState = () => control.state?.program?.mixer?.state;
const destination = () => control.state?.destinations?.[0];
/** A frame that is neither camera but both at once: red and blue mixed. */
const blended = (rgb: [number, number, number]) => rgb[0] > 50 && rgb[2] > 50 && rgb[1] < 60;
const tallyIs = (cam: StreamingCamera, state: string) => cam.page.waitForSelector(`[data-testid="camera-page"][data-tally="${state}"]`, { timeout: 5000 });

async function mixerPid(): Promise<number> {
  const [pid] = await server.childPids('mixer.py');
  if (!pid) throw new Error('no mixer process under the server');
  return pid;
}

/** A camera full frame on air (whatever layout the last shot left in preview). */
async function fullFrameOnAir(sourceId: string): Promise<void> {
  await control.request('switcher:preview', { sourceId });
  await control.request('switcher:layout', { layout: { kind: 'full' } });
  await control.request('switcher:cut');
  await control.until(`${sourceId} on air, full frame`, () => control.state?.program?.program === sourceId && control.state.program.programLayout?.kind === 'full', 5000);
}

/** A camera put in preview by its key in the studio, as a director would. */
async function previewByKey(key: '1' | '2', label: string): Promise<void> {
  await director.keyboard.press(key);
  await director.waitForSelector(`[data-testid="preview-monitor"][data-source-label="${label}"]`, { timeout: 5000 });
}

async function setTransition(kind: string, seconds: number): Promise<void> {
  await director.getByLabel('Transition', { exact: true }).selectOption(kind);
  await director.getByLabel('Transition duration (s)').fill(String(seconds));
  await director.getByLabel('Transition duration (s)').blur(); // the keys act on the switcher again
}

beforeAll(async () => {
  await nginx.start();
  // The slate covers a camera silent for 2.5 s, not 0.8: on two cores, three browsers, the
  // mixer and the encoder, a camera's pictures pause for up to 1.5 s (measured), and these
  // tests are about mixing (a camera that leaves is covered at once whatever this says).
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800', REGIE_KEYFRAME_SECONDS: '1', REGIE_SLATE_AFTER_MS: '2500' });
  control = await Control.connect(server);
  await control.until('the mixer composing', () => mixerState() === 'on', 30000);
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  cams = await addTwoCameras(browser, director);
  await control.request('destination:add', { name: 'RTMP', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY });
  await control.request('show:goLive');
  await control.until('the destination live', () => destination()?.state === 'live', 30000);
  viewer = nginx.viewer(KEY);
  await control.putOnAir(cams.red.slotId);
  await viewer.waitFor('red', 30000);
});

afterAll(async () => {
  viewer?.stop();
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  await nginx.stop();
});

describe('transitions', () => {
  it('T takes preview on air with a dissolve: the receiver sees red and blue blended, then blue', async () => {
    await setTransition('mix', 1.5);
    await previewByKey('2', 'Trocadéro'); // blue in preview
    const from = Date.now();
    await director.keyboard.press('t');
    await viewer.waitFor('blue', 15000, from);
    const frames = viewer.seen.filter((f) => f.at >= from);
    const mixed = frames.filter((f) => blended(f.rgb));
    expect(mixed.length, `blended frames between red and blue (seen: ${frames.map((f) => f.rgb.join('/')).join(' ')})`).toBeGreaterThanOrEqual(2);
    // Red, then the blend, then blue: never back.
    const firstBlue = frames.findIndex((f) => f.colour === 'blue');
    expect(frames.slice(firstBlue).some((f) => f.colour === 'red')).toBe(false);
    expect(control.state?.program?.program).toBe(cams.blue.slotId);
  });

  it('a dip to black goes through black between the two shots', async () => {
    // 3 s: the frames near black last long enough for the viewer's reads (5 a second) on
    // a loaded machine (with 1.5 s, a run here read none darker than 60).
    await setTransition('dip-black', 3);
    await previewByKey('1', 'Tower — north'); // red in preview
    const from = Date.now();
    await director.keyboard.press('t');
    await viewer.waitFor('red', 15000, from);
    const frames = viewer.seen.filter((f) => f.at >= from);
    // (Frames are read 5 times a second: the darkest one read is near black, not black.)
    expect(frames.some((f) => Math.max(...f.rgb) < 60), `a dark frame between them (seen: ${frames.map((f) => f.rgb.join('/')).join(' ')})`).toBe(true);
  });
});

describe('the T-bar', () => {
  it('mixes the preview over the program by hand: held part way the receiver sees both blended, back at the start the program again; pushed to the end in the studio, the preview is on air', async () => {
    await fullFrameOnAir(cams.red.slotId);
    await control.request('switcher:preview', { sourceId: cams.blue.slotId });
    await waitForMonitorColour(director, 'preview', 'blue', 15000); // (decoded by the mixer)
    // (A cut still under way — its picture awaited — refuses the T-bar with why.)
    await control.until('no cut under way', () => !control.state?.program?.pending, 5000);
    const from = Date.now();
    await control.request('switcher:tbar', { position: 0.4 });
    await control.until('red and blue blended at the receiver', () => viewer.seen.some((f) => f.at >= from && blended(f.rgb)), 15000);
    // Held there, not a transition running its course: every frame read a second on is still both.
    const held = Date.now() + 1000;
    await control.until('frames read while the bar is held', () => viewer.seen.filter((f) => f.at >= held).length >= 3, 15000);
    const heldFrames = viewer.seen.filter((f) => f.at >= held);
    expect(heldFrames.every((f) => blended(f.rgb)), `held part way (seen: ${heldFrames.map((f) => f.rgb.join('/')).join(' ')})`).toBe(true);
    expect(control.state?.program?.program).toBe(cams.red.slotId);
    await tallyIs(cams.blue, 'program'); // (seen on the program, part way: its operator is on air)
    // Back to the start: the program as it was, nothing taken.
    const back = Date.now();
    await control.request('switcher:tbar', { position: 0 });
    await viewer.waitFor('red', 15000, back);
    await tallyIs(cams.blue, 'preview');
    // Pushed to the end in the studio (the slider, End key): blue on air, red in preview, the bar back at the start.
    const bar = director.getByTestId('tbar');
    await bar.focus();
    const pushed = Date.now();
    await director.keyboard.press('End');
    await viewer.waitFor('blue', 15000, pushed);
    await control.until('blue on air and red in preview', () => control.state?.program?.program === cams.blue.slotId && control.state.program.preview === cams.red.slotId, 5000);
    await director.waitForFunction(() => document.querySelector<HTMLInputElement>('[data-testid="tbar"]')?.value === '0', undefined, { timeout: 5000 });
    await bar.blur(); // (the keys act on the switcher again)
  });

  it('a position past its ends is refused with why, and the program does not change', async () => {
    await expect(control.request('switcher:tbar', { position: 1.5 })).rejects.toThrow(/the T-bar goes from 0 to 1/);
    await expect(control.request('switcher:tbar', { position: -0.1 })).rejects.toThrow(/the T-bar goes from 0 to 1/);
    expect(control.state?.program?.program).toBe(cams.blue.slotId);
  });
});

describe('any codec on air', () => {
  it('a camera that can only send VP8 goes on air and reaches the receiver', async () => {
    const slot = await addCameraSlot(director, 'Firefox on the quay');
    const page = await openCamera(browser, slot.link, { color: '#00ff00', toneHz: 660, width: 640, height: 360, withoutH264: true });
    await startStreaming(page);
    await waitForTileColour(director, slot.slotId, 'green', 20000);
    expect(control.state?.slots.find((s) => s.id === slot.slotId)?.videoFormat).toMatchObject({ codec: 'VP8', onAir: true });
    await control.putOnAir(slot.slotId);
    await viewer.waitFor('green', 15000);
    await control.putOnAir(cams.red.slotId);
    await viewer.waitFor('red', 15000);
    await page.context().close();
  });
});

describe('layouts', () => {
  it('picture in picture: the main camera around, the inset camera in its corner at the receiver; then side by side; then full frame', async () => {
    const inset = nginx.viewer(KEY, { x: 0.7, y: 0.66, w: 0.2, h: 0.22 }); // inside the bottom-right inset
    const main = nginx.viewer(KEY, { x: 0.05, y: 0.05, w: 0.4, h: 0.4 }); // top left: the main picture
    const left = nginx.viewer(KEY, { x: 0.1, y: 0.35, w: 0.3, h: 0.3 }); // the middle of the left half
    const right = nginx.viewer(KEY, { x: 0.6, y: 0.4, w: 0.3, h: 0.2 }); // (each 16:9 picture letterboxed in its half: their middles)
    try {
      await control.request('switcher:preview', { sourceId: cams.red.slotId });
      await control.request('switcher:layout', { layout: { kind: 'pip', inset: cams.blue.slotId, corner: 'bottom-right', size: 0.3 } });
      await control.request('switcher:cut');
      await inset.waitFor('blue', 15000);
      await main.waitFor('red', 15000);
      expect(control.state?.program?.programLayout).toMatchObject({ kind: 'pip', inset: cams.blue.slotId });
      await Promise.all([tallyIs(cams.red, 'program'), tallyIs(cams.blue, 'program')]); // (the inset's camera is on air too)

      // Side by side, the blue camera on the left this time: blue in the left half, red in the right.
      await control.request('switcher:preview', { sourceId: cams.blue.slotId });
      await control.request('switcher:layout', { layout: { kind: 'side-by-side', right: cams.red.slotId } });
      await control.request('switcher:cut');
      await left.waitFor('blue', 15000);
      await right.waitFor('red', 15000);

      await fullFrameOnAir(cams.red.slotId);
      await inset.waitFor('red', 15000);
      await left.waitFor('red', 15000);
      await viewer.waitFor('red', 15000);
      await tallyIs(cams.blue, 'preview'); // (no longer in the program: back in preview with the shot it was in)
    } finally {
      for (const v of [inset, main, left, right]) v.stop();
    }
  });

  it('a layout naming a source that does not exist is refused, and the preview keeps its layout', async () => {
    const ack = await control.ack('switcher:layout', { layout: { kind: 'pip', inset: 'nosuchslot00', corner: 'top-left', size: 0.3 } });
    expect(ack.ok).toBe(false);
    expect(control.state?.program?.previewLayout).not.toMatchObject({ inset: 'nosuchslot00' });
  });
});

describe('the preview monitor', () => {
  type Rgb = [number, number, number];
  /** The lower third's box over a red picture: navy, a little red through it. */
  const navyOverRed = (rgb: Rgb | null) => Boolean(rgb && rgb[2] > 50 && rgb[2] > rgb[0] + 20 && rgb[0] < 90);
  /** Points of a 16:9 frame: its centre, inside a 0.3 inset at the bottom right, the lower third's box left of its text. */
  const CENTRE = { x: 0.5, y: 0.5 };
  const INSET = { x: 0.81, y: 0.78 };
  const LOWER_THIRD = { x: 0.055, y: 0.83 };
  /** Waits until the monitor's pixels at these points are what is expected; says what it saw if they never are. */
  async function monitorShows(kind: 'preview' | 'program', expected: { at: { x: number; y: number }; is: (rgb: Rgb | null) => boolean; what: string }[]): Promise<void> {
    const video = `[data-testid="${kind}-monitor"] video`;
    let seen = '';
    for (const deadline = Date.now() + 15000; Date.now() < deadline; await director.waitForTimeout(50)) {
      const rgbs = await Promise.all(expected.map((e) => videoColor(director, video, e.at)));
      seen = rgbs.map((rgb, i) => `${expected[i]!.what}: ${rgb?.join('/') ?? 'no picture'}`).join('; ');
      if (rgbs.every((rgb, i) => expected[i]!.is(rgb))) return;
    }
    throw new Error(`the ${kind} monitor did not show ${expected.map((e) => e.what).join(', ')} within 15 s (last seen: ${seen})`);
  }
  const colour = (c: string) => (rgb: Rgb | null) => classify(rgb) === c;

  it('shows the next shot as the mixer composes it — its layout, the graphics readied for it — while the program stays as it is; a cut puts that on air', async () => {
    await fullFrameOnAir(cams.blue.slotId);
    await control.request('graphics:text', { title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' });
    await control.request('switcher:preview', { sourceId: cams.red.slotId });
    await control.request('switcher:layout', { layout: { kind: 'pip', inset: cams.blue.slotId, corner: 'bottom-right', size: 0.3 } });
    await control.request('graphics:set', { name: 'lower-third', on: true, withNextShot: true });
    await director.waitForSelector('[data-testid="preview-monitor"][data-composed="yes"]', { timeout: 10000 });
    await monitorShows('preview', [
      { at: CENTRE, is: colour('red'), what: 'red around' },
      { at: INSET, is: colour('blue'), what: 'blue inset' },
      { at: LOWER_THIRD, is: navyOverRed, what: 'the lower third' },
    ]);
    // The program: blue, full frame, no lower third.
    await monitorShows('program', [CENTRE, INSET, LOWER_THIRD].map((at) => ({ at, is: colour('blue'), what: 'blue' })));
    expect(control.state?.program?.graphics?.onAir).not.toContain('lower-third');

    // Cut: what preview showed is on air; preview shows the shot that was (blue, full
    // frame), with the lower third now on the program.
    await control.request('switcher:cut');
    await monitorShows('program', [
      { at: CENTRE, is: colour('red'), what: 'red around' },
      { at: INSET, is: colour('blue'), what: 'blue inset' },
      { at: LOWER_THIRD, is: navyOverRed, what: 'the lower third' },
    ]);
    await monitorShows('preview', [{ at: CENTRE, is: colour('blue'), what: 'blue' }, { at: INSET, is: colour('blue'), what: 'blue, full frame' }]);
    expect(await director.getAttribute('[data-testid="preview-monitor"]', 'data-composed')).toBe('yes');
    await control.request('graphics:set', { name: 'lower-third', on: false, withNextShot: false });
  });
});

describe('graphics', () => {
  const encoderStarts = () => server.logLines().filter((l) => l.msg === 'program encoder started').length;
  /** The lower third's box, between its two lines of text. */
  const navy = (rgb: [number, number, number]) => rgb[2] > 50 && rgb[2] > rgb[0] + 20 && rgb[0] < 90;

  it('the lower third, typed in the studio, is on the program at the receiver once put on, gone once off; the encoder never restarts', async () => {
    await fullFrameOnAir(cams.red.slotId);
    const band = nginx.viewer(KEY, { x: 0.35, y: 0.8, w: 0.25, h: 0.04 });
    try {
      await band.waitFor('red', 15000);
      const starts = encoderStarts();
      await director.getByLabel('Lower third title').fill('Tour Eiffel');
      await director.getByLabel('Lower third subtitle').fill('Paris, Nouvel An');
      await director.getByRole('button', { name: 'Apply' }).click();
      await control.until('the text saved', () => control.state?.program?.graphics?.text.title === 'Tour Eiffel', 5000);
      await director.getByTestId('graphic-lower-third').getByRole('button', { name: 'Off' }).click();
      await control.until('the lower third on air', () => Boolean(control.state?.program?.graphics?.onAir.includes('lower-third')), 5000);
      const on = Date.now();
      await control.until('the lower third at the receiver', () => band.seen.some((f) => f.at >= on && navy(f.rgb)), 15000);
      await director.getByTestId('graphic-lower-third').getByRole('button', { name: 'On air' }).click();
      await band.waitFor('red', 15000, Date.now());
      expect(encoderStarts()).toBe(starts);
    } finally {
      band.stop();
    }
  });

  it('the logo, chosen in the studio, is in its corner at the receiver once put on, replaced live by a new image, gone once off; the encoder never restarts', async () => {
    await fullFrameOnAir(cams.red.slotId);
    const dir = mkdtempSync(join(tmpdir(), 'regie-e2e-logo-'));
    const png = (colour: string) => {
      const file = join(dir, `${colour}.png`);
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=${colour}:s=200x100`, '-frames:v', '1', file]);
      return file;
    };
    // Top right (the default), 12 % of the height: 88×44 at (538, 14) in the 640×360 program.
    const corner = nginx.viewer(KEY, { x: 0.86, y: 0.06, w: 0.07, h: 0.06 });
    const green = (rgb: [number, number, number]) => rgb[1] > 150 && rgb[0] < 110 && rgb[2] < 110;
    const blueish = (rgb: [number, number, number]) => rgb[2] > 150 && rgb[0] < 110 && rgb[1] < 110;
    try {
      await corner.waitFor('red', 15000);
      const starts = encoderStarts();
      await director.getByTestId('logo-file').setInputFiles(png('0x00ff00'));
      await control.until('the logo kept', () => control.state?.program?.graphics?.logo.image?.width === 200, 10000);
      await director.getByTestId('graphic-logo').getByRole('button', { name: 'Off' }).click();
      await control.until('the logo on air', () => Boolean(control.state?.program?.graphics?.onAir.includes('logo')), 5000);
      let since = Date.now();
      await control.until('the logo at the receiver', () => corner.seen.some((f) => f.at >= since && green(f.rgb)), 15000);
      // A new image while it is on the program: shown in its place.
      await director.getByTestId('logo-file').setInputFiles(png('0x0000ff'));
      await control.until('the new logo kept', () => control.state?.program?.graphics?.logo.image?.version === 2, 10000);
      since = Date.now();
      await control.until('the new logo at the receiver', () => corner.seen.some((f) => f.at >= since && blueish(f.rgb)), 15000);
      // A damaged image (its header reads, its picture does not): refused with why in the
      // studio; the logo on the program stays as it was.
      const damaged = readFileSync(png('0xff00ff'));
      for (let i = damaged.indexOf('IDAT') + 8; i < damaged.length - 16; i++) damaged[i] ^= 0x5a;
      writeFileSync(join(dir, 'damaged.png'), damaged);
      await director.getByTestId('logo-file').setInputFiles(join(dir, 'damaged.png'));
      await director.getByRole('alert').filter({ hasText: 'this image is damaged' }).waitFor({ timeout: 10000 });
      expect(control.state?.program?.graphics?.logo.image?.version).toBe(2);
      since = Date.now();
      await control.until('the logo still at the receiver', () => corner.seen.some((f) => f.at >= since && blueish(f.rgb)), 15000);
      await director.getByTestId('graphic-logo').getByRole('button', { name: 'On air' }).click();
      await corner.waitFor('red', 15000, Date.now());
      expect(encoderStarts()).toBe(starts);
    } finally {
      corner.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the countdown to the show\'s time is on the program, and readied with the next shot it goes on with the take', async () => {
    await fullFrameOnAir(cams.red.slotId);
    await control.request('show:setCountdown', { at: new Date(Date.now() + 3600_000).toISOString(), label: 'Midnight' });
    const box = nginx.viewer(KEY, { x: 0.06, y: 0.07, w: 0.28, h: 0.07 });
    try {
      await box.waitFor('red', 15000);
      await control.request('graphics:set', { name: 'countdown', on: true, withNextShot: true });
      expect(control.state?.program?.graphics?.onAir).not.toContain('countdown');
      await control.request('switcher:preview', { sourceId: cams.blue.slotId });
      await control.request('switcher:take', { transition: { kind: 'mix', ms: 500 } });
      await control.until('the countdown on air with the shot', () => Boolean(control.state?.program?.graphics?.onAir.includes('countdown')), 5000);
      // Dark box over blue, with white figures: neither blue nor red any more.
      const on = Date.now();
      await control.until('the countdown at the receiver', () => box.seen.some((f) => f.at >= on + 1000 && f.colour === 'other' && f.rgb[2] < 140), 15000);
      await control.request('graphics:set', { name: 'countdown', on: false, withNextShot: false });
      await box.waitFor('blue', 15000, Date.now());
    } finally {
      box.stop();
      await control.request('show:setCountdown', { at: null, label: 'Midnight' });
    }
  });
});

describe('when the mixer dies', () => {
  it('SIGKILLed: the receiver keeps getting the program, its session stays open, and a new mixer takes the program back', async () => {
    await fullFrameOnAir(cams.red.slotId);
    await viewer.waitFor('red', 15000);
    const before = { pid: await mixerPid(), reconnects: destination()?.reconnects ?? 0 };
    const killedAt = Date.now();
    process.kill(before.pid, 'SIGKILL');
    await control.until('the mixer down', () => mixerState() !== 'on', 5000);
    await control.until('a new mixer composing', () => mixerState() === 'on', 20000);
    const composingAfter = Date.now() - killedAt;
    // Red all along: spliced while the mixer was down, composed again after.
    await viewer.waitFor('red', 5000, Date.now());
    const gap = viewer.longestGapSince(killedAt);
    console.log(`mixer SIGKILL: longest gap at the receiver ${gap} ms (gaps of 0.3 s or more: ${viewer.describeGapsSince(killedAt, 300)}); a new mixer composing after ${composingAfter} ms`);
    expect(gap).toBeLessThan(2000);
    expect(viewer.seen.filter((f) => f.at >= killedAt && f.colour !== 'red' && f.colour !== 'other').map((f) => `${f.colour} at +${f.at - killedAt} ms`)).toEqual([]);
    expect(await mixerPid()).not.toBe(before.pid);
    expect(destination()?.state).toBe('live');
    expect(destination()?.reconnects ?? 0).toBe(before.reconnects);
    // And the new mixer mixes.
    await setTransition('mix', 1);
    await previewByKey('2', 'Trocadéro');
    await director.keyboard.press('t');
    await viewer.waitFor('blue', 15000);
  });

  it('the on-air camera killed in the middle of a dissolve: the program never stalls, the slate goes on air', async () => {
    await fullFrameOnAir(cams.blue.slotId);
    await setTransition('mix', 3);
    await previewByKey('1', 'Tower — north'); // red in preview; blue on air
    const from = Date.now();
    await director.keyboard.press('t');
    // The mix starts once the mixer decodes red (it was just put in preview): then red comes in over blue.
    await control.until('the mix to red started', () => control.state?.program?.program === cams.red.slotId, 10000);
    await control.until('red being mixed in', () => viewer.seen.some((f) => f.at >= from && blended(f.rgb)), 10000);
    await cams.red.page.context().close(); // the camera going on air dies half-way
    await viewer.waitFor('slate', 15000, Date.now());
    const gap = viewer.longestGapSince(from);
    console.log(`on-air camera killed mid-dissolve: longest gap at the receiver ${gap} ms`);
    expect(gap).toBeLessThan(2000);
    expect(control.state?.program?.program).toBe('slate');
  });
});
