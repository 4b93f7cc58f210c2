// The program for viewers over WebRTC (WHEP): the watch page's low-latency mode in a real
// Chromium plays the program (decoded pixels), and its colour follows a cut; the
// director sees the viewer; the endpoint refuses before Go live (409) and without the
// viewer link when the page is not public (401); a player that leaves is counted out.
// Real server, Chromium cameras, mediasoup and ffmpeg.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchView } from '../shared/src/protocol.js';
import { launchBrowser, newContext } from '../testkit/browser.js';
import { classify, videoColor, type Colour } from '../testkit/colour.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addTwoCameras, openStudio, waitForProgramColour } from '../testkit/studio.js';
import { whipRequest } from '../testkit/webrtcPeer.js';
import { WhepPlayer } from '../testkit/whepPlayer.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;

const watch = () => control.state?.watch as WatchView | undefined;

async function cutTo(colour: 'red' | 'blue'): Promise<void> {
  await director.keyboard.press(colour === 'red' ? '1' : '2');
  await director.keyboard.press('Space');
  await waitForProgramColour(director, colour, 10_000);
}

async function waitForColour(page: Page, colour: Colour, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await expect.poll(async () => classify(await videoColor(page, '[data-testid="watch-video"][data-player="whep"]')), { timeout: timeoutMs, interval: 50 }).toBe(colour);
  return Date.now() - start;
}

/** A player's offer (a real WebRTC stack: werift), for the HTTP checks. */
async function playerOffer(): Promise<{ sdp: string; close: () => Promise<void> }> {
  const { pc, sdp } = await WhepPlayer.offer();
  return { sdp, close: () => pc.close() };
}

beforeAll(async () => {
  // The slate covers a camera silent for 2.5 s, not 0.8 (as in mixer.e2e and watch.e2e):
  // a camera that paused longer than the return window beside three browsers on two
  // cores left the slate on air for the rest of this file (seen once in a fresh-clone run).
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800', REGIE_KEYFRAME_SECONDS: '1', REGIE_SLATE_AFTER_MS: '2500' });
  control = await Control.connect(server);
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  await addTwoCameras(browser, director);
  await cutTo('red');
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
});

describe('WHEP: the program in well under a second', () => {
  it('before Go live the endpoint says nobody publishes yet (409, Retry-After)', async () => {
    const offer = await playerOffer();
    const res = await whipRequest(`${server.url}/whep`, 'POST', { 'Content-Type': 'application/sdp' }, offer.sdp);
    await offer.close();
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('the low-latency watch page plays the program, its colour follows a cut, and the director sees the viewer', async () => {
    await control.request('show:goLive');
    const viewer = await (await newContext(browser)).newPage();
    await viewer.goto(`${server.url}/watch?low-latency`);
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="on-air"]', { timeout: 30_000 });
    console.log(`WHEP watch page: red after ${await waitForColour(viewer, 'red', 20_000)} ms`);
    await control.until('one low-latency viewer', () => watch()?.whep.viewers === 1, 10_000);
    expect(await director.getByTestId('whep-viewers').textContent()).toBe('1');
    expect(watch()!.whep.link).toBe(`${server.url}/watch?low-latency`);
    const cut = Date.now();
    await cutTo('blue');
    const blueAfter = await waitForColour(viewer, 'blue', 10_000);
    console.log(`WHEP watch page: blue ${Date.now() - cut} ms after the cut was sent (${blueAfter} ms after the studio's program showed it)`);
    // The page plays (its time advances), with sound once asked.
    const t0 = await viewer.getByTestId('watch-video').evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect.poll(() => viewer.getByTestId('watch-video').evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 5000 }).toBeGreaterThan(t0);
    expect(await viewer.getByTestId('watch-video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getAudioTracks().length)).toBe(1);
    // The viewer leaves: counted out (its connection closes, or its consent runs out).
    await viewer.context().close();
    await control.until('no low-latency viewer', () => watch()?.whep.viewers === 0, 30_000);
  });

  it('by viewer link only: no key → 401; the link\'s key (Bearer or ?v=) plays', async () => {
    await control.request('watch:setAccess', { access: 'link' });
    await control.until('access by link', () => watch()?.access === 'link', 5000);
    const offer = await playerOffer();
    try {
      const refused = await whipRequest(`${server.url}/whep`, 'POST', { 'Content-Type': 'application/sdp' }, offer.sdp);
      expect(refused.status).toBe(401);
      const key = new URL(watch()!.link).searchParams.get('v')!;
      const allowed = await whipRequest(`${server.url}/whep`, 'POST', { 'Content-Type': 'application/sdp', Authorization: `Bearer ${key}` }, offer.sdp);
      expect(allowed.status).toBe(201);
      expect(allowed.headers['content-type']).toBe('application/sdp');
      expect(allowed.body).toMatch(/a=sendonly/);
      expect(allowed.body).toMatch(/a=ice-lite/);
      expect((await whipRequest(String(allowed.headers.location), 'DELETE', {})).status).toBe(200);
      await cutTo('blue'); // (blue on air, as a director would make sure: the slate may have covered a camera paused meanwhile)
      const viewer = await (await newContext(browser)).newPage();
      await viewer.goto(watch()!.whep.link);
      await waitForColour(viewer, 'blue', 20_000);
      await viewer.context().close();
    } finally {
      await offer.close();
      await control.request('watch:setAccess', { access: 'public' });
    }
  });

  it('End live ends every low-latency viewer', async () => {
    await cutTo('blue'); // (as above)
    const viewer = await (await newContext(browser)).newPage();
    await viewer.goto(`${server.url}/watch?low-latency`);
    await waitForColour(viewer, 'blue', 20_000);
    await control.until('one low-latency viewer', () => watch()?.whep.viewers === 1, 10_000);
    await control.request('show:endLive');
    await control.until('no low-latency viewer', () => watch()?.whep.viewers === 0, 10_000);
    // Nothing kept for players that are gone: the routers numbered for them are closed.
    const answered = server.logLines().filter((l) => l.msg === 'WHEP viewer answered').length;
    expect(answered).toBeGreaterThan(0);
    await expect.poll(() => server.logLines().filter((l) => l.msg === 'WHEP router closed: its last player left').length, { timeout: 5000 }).toBeGreaterThan(0);
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="ended"]', { timeout: 10_000 });
    await viewer.context().close();
  });
});
