// Régie's own watch page, the fallback of last resort: the program as HLS from the one
// encode, played by hls.js in a real Chromium (decoded pixels follow a cut), by an
// ffmpeg reader that keeps playing across an encoder restart, served with headers a CDN
// can work with, public or by a viewer link the director can replace. Real server,
// cameras and ffmpeg; no RTMP destination at all (the watch page needs none).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchView } from '../shared/src/protocol.js';
import { launchBrowser, newContext } from '../testkit/browser.js';
import { classify, videoColor, type Colour } from '../testkit/colour.js';
import { ColourViewer } from '../testkit/ColourViewer.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addTwoCameras, openStudio, waitForProgramColour, type StreamingCamera } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let cams: Record<'red' | 'blue', StreamingCamera>;
let viewer: Page;

const watch = () => control.state?.watch as WatchView | undefined;
/** HLS plays a few segments behind live: a colour reaches the watch page within this. */
const HLS_DELAY_MS = 30_000;

async function cutTo(colour: 'red' | 'blue'): Promise<void> {
  await director.keyboard.press(colour === 'red' ? '1' : '2');
  await director.keyboard.press('Space');
  await waitForProgramColour(director, colour, 10_000);
}

async function openWatch(url: string): Promise<Page> {
  const page = await (await newContext(browser)).newPage();
  await page.goto(url);
  return page;
}

/** Until the watch page's video shows the colour (decoded frames, not a state word). */
async function waitForWatchColour(page: Page, colour: Colour, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await expect.poll(async () => classify(await videoColor(page, '[data-testid="watch-video"]')), { timeout: timeoutMs, interval: 200 }).toBe(colour);
  return Date.now() - start;
}

beforeAll(async () => {
  // The slate covers a camera silent for 2.5 s, not 0.8 (as in mixer.e2e): going live
  // starts the encoder, the recording and HLS at once beside three browsers on two cores,
  // and a camera that paused longer than the return window then left the slate on air
  // (seen once in a fresh-clone run: the watch page read the slate for a minute).
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800', REGIE_KEYFRAME_SECONDS: '1', REGIE_SLATE_AFTER_MS: '2500' });
  control = await Control.connect(server);
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  cams = await addTwoCameras(browser, director);
  await cutTo('red');
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
});

describe('the watch page', () => {
  it('before Go live it says the show starts soon, with the countdown', async () => {
    await control.request('show:setCountdown', { at: new Date(Date.now() + 3600_000).toISOString(), label: 'Midnight' });
    viewer = await openWatch(`${server.url}/watch`);
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="starting-soon"]', { timeout: 10_000 });
    expect(await viewer.getByTestId('watch-countdown').textContent()).toMatch(/^Midnight in (0:59:\d\d|1:00:00)$/);
    expect(watch()?.hls.state).toBe('off');
  });

  it('live, it plays the program by itself (hls.js, decoded frames), and the colour follows a cut', async () => {
    await control.request('show:goLive');
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="on-air"]', { timeout: HLS_DELAY_MS });
    await cutTo('red'); // (red on air, as a director would make sure: the slate may have covered a camera paused meanwhile)
    console.log(`watch page: red after ${await waitForWatchColour(viewer, 'red', HLS_DELAY_MS)} ms of on-air`);
    const cut = Date.now();
    await cutTo('blue');
    await waitForWatchColour(viewer, 'blue', HLS_DELAY_MS);
    console.log(`watch page: blue ${Date.now() - cut} ms after the cut (HLS latency)`);
    // The director sees it on and who watches it.
    await control.until('a viewer counted', () => (watch()?.hls.viewers ?? 0) >= 1, 10_000);
    expect(watch()?.hls.state).toBe('on');
  });

  it('its files carry what a CDN needs: the playlist never cached, segments cached for good, open to any site', async () => {
    const heads = await viewer.evaluate(async () => {
      const playlist = await fetch('/hls/public/program.m3u8', { cache: 'no-store' });
      const text = await playlist.text();
      const segment = text.split('\n').find((l) => l.endsWith('.ts'))!;
      const seg = await fetch(`/hls/public/${segment}`, { cache: 'no-store' });
      const pick = (r: Response) => ({ status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), cors: r.headers.get('access-control-allow-origin') });
      return { playlist: pick(playlist), segment: pick(seg), bytes: (await seg.arrayBuffer()).byteLength, text };
    });
    expect(heads.playlist).toMatchObject({ status: 200, type: expect.stringMatching(/mpegurl/), cache: 'public, max-age=0, s-maxage=1', cors: '*' });
    expect(heads.segment).toMatchObject({ status: 200, type: 'video/mp2t', cache: 'public, max-age=31536000, immutable', cors: '*' });
    expect(heads.bytes % 188).toBe(0);
    expect(heads.text).toMatch(/#EXT-X-TARGETDURATION:[12]\b/); // segments of the keyframe interval (1 s here)
    // Nothing but the program's files is served from there: not the show's database one
    // folder up (it is there), not a segment being written, not another page.
    expect(existsSync(join(server.dataDir, 'regie.sqlite'))).toBe(true);
    const refused = await viewer.evaluate(async () => Promise.all(['..%2Fregie.sqlite', '..%5Cregie.sqlite', 'program.m3u8.tmp', 'index.html']
      .map(async (f) => ({ f, status: (await fetch(`/hls/public/${f}`)).status }))));
    for (const r of refused) expect(r).toEqual({ f: r.f, status: 404 });
    // The studio's own pages keep their same-origin policy: only the watch data is open to any site.
    const studio = await viewer.evaluate(async () => (await fetch('/studio')).headers.get('access-control-allow-origin'));
    expect(studio).toBeNull();
  });

  it('an ffmpeg reader of the HLS keeps playing across an encoder restart (the playlist goes on after a discontinuity)', async () => {
    let ended = false;
    const reader = new ColourViewer(['-i', `${server.url}/hls/public/program.m3u8`], [], () => { ended = true; });
    try {
      await reader.waitFor('blue', HLS_DELAY_MS);
      // (The encoder may be restarting by itself on a busy machine: the one that runs is killed.)
      await expect.poll(() => server.childPids('ffmpeg', '-f sdp'), { timeout: 30_000 }).toHaveLength(1);
      const encoder = await server.childPids('ffmpeg', '-f sdp');
      const killed = Date.now();
      process.kill(encoder[0]!, 'SIGKILL');
      await control.until('the encoder restarted', () => server.logLines().some((l) => l.msg === 'program encoder running' && (l.time as number) > killed), 30_000);
      await cutTo('red');
      await reader.waitFor('red', HLS_DELAY_MS, killed);
      console.log(`hls reader: red again ${Date.now() - killed} ms after the encoder was killed; longest gap ${reader.longestGapSince(killed)} ms`);
      expect(ended).toBe(false); // the same reader, never restarted
    } finally {
      reader.stop();
    }
  });

  it('by viewer link only: the public address is refused, the link plays; a new link cuts the old one off', async () => {
    await cutTo('red'); // (whatever the test before left on air)
    await control.request('watch:setAccess', { access: 'link' });
    try {
      await viewerLinkOnly();
    } finally {
      await control.request('watch:setAccess', { access: 'public' }); // the next test watches by the public address
    }
  });

  async function viewerLinkOnly(): Promise<void> {
    await control.until('the link mode', () => watch()?.access === 'link', 5000);
    const link = watch()!.link;
    expect(link).toMatch(/\/watch\?v=[A-Za-z0-9_-]{22,}$/);
    // The open page, by the public address, is told it needs the link.
    await viewer.getByTestId('watch-refused').waitFor({ timeout: 10_000 });
    expect(await viewer.getByTestId('watch-refused').textContent()).toMatch(/needs its viewer link/);
    expect(await viewer.evaluate(async () => (await fetch('/hls/public/program.m3u8')).status)).toBeGreaterThanOrEqual(400);
    const linked = await openWatch(link.replace(/^https:\/\/[^/]+/, server.url));
    try {
      await waitForWatchColour(linked, 'red', HLS_DELAY_MS);
      await control.request('watch:newLink');
      await control.until('a new link', () => watch()!.link !== link, 5000);
      await linked.getByTestId('watch-refused').waitFor({ timeout: 10_000 });
      // Public again: a link given out earlier opens it too.
      await control.request('watch:setAccess', { access: 'public' });
      await linked.reload();
      await linked.waitForSelector('[data-testid="watch-page"][data-state="on-air"]', { timeout: 10_000 });
    } finally {
      await linked.context().close();
    }
  }

  it('after End live it says the show ended', async () => {
    await viewer.reload();
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="on-air"]', { timeout: 10_000 });
    await control.request('show:endLive');
    await viewer.waitForSelector('[data-testid="watch-page"][data-state="ended"]', { timeout: 10_000 });
    // The playlist says where it ends (the muxer writes its last segment first): players
    // a few segments behind play the finale, then stop waiting.
    await expect.poll(() => viewer.evaluate(async () => (await fetch('/hls/public/program.m3u8', { cache: 'no-store' })).text()), { timeout: 10_000 })
      .toContain('#EXT-X-ENDLIST');
    await viewer.getByTestId('watch-finished').waitFor({ timeout: HLS_DELAY_MS });
  });
});
