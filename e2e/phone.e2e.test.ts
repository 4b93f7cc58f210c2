// The camera operator's phone: on a network of its own that the test cuts for 5 s
// while the camera is on air, and the controls an operator uses while live (quality,
// mic), the director asking for another quality, the page going to the background.
// Real Chromium, the real server and mediasoup, nothing faked but the camera image.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { launchPhoneOnItsOwnNetwork, type PhoneOnItsOwnNetwork } from '../testkit/phoneNetwork.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import {
  addCameraSlot, openStudio, recordTileHistory, startStreaming, tile, waitForProgramColour, waitForTileColour, waitForTileState,
} from '../testkit/studio.js';

let server: RegieServer;
let phoneNet: PhoneOnItsOwnNetwork;
let browser: Browser;
let director: Page;

beforeAll(async () => {
  phoneNet = await launchPhoneOnItsOwnNetwork();
  // The studio listens where the phone's network reaches it (inside the test's namespace only).
  server = await startServer({
    // A glitch (the test below) is back well within 2 s; the 5 s outages are never back
    // that soon, so they keep waiting in preview for the director, on any machine.
    REGIE_AUTO_RETURN_MS: '2000',
    REGIE_HOST: '0.0.0.0',
    REGIE_RTC_LISTEN_IP: '0.0.0.0',
    REGIE_RTC_ANNOUNCED_IP: phoneNet.studioIp,
  }, { publicHost: phoneNet.studioIp });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
});

afterAll(async () => {
  await phoneNet?.close();
  await browser?.close();
  await server?.stop();
});

/**
 * Waits until a recorded history has taken the value. The timeout is only a backstop
 * (the page says it within seconds): the wait ends on the event, on any machine.
 */
async function untilSeen(history: () => Promise<string[]>, value: string, timeout = 20000): Promise<void> {
  await expect.poll(async () => (await history()).includes(value), { timeout, interval: 100 }).toBe(true);
}

/** Every value an attribute takes on the page, in order (a short state polling would miss). */
async function recordAttribute(page: Page, selector: string, attribute: string): Promise<() => Promise<string[]>> {
  await page.evaluate(([sel, attr]) => {
    const w = window as unknown as { __attrHistory?: Record<string, string[]> };
    w.__attrHistory ??= {};
    const history: string[] = (w.__attrHistory[sel + attr] = []);
    const note = () => {
      const v = document.querySelector(sel)?.getAttribute(attr) ?? '(none)';
      if (history.at(-1) !== v) history.push(v);
    };
    note();
    new MutationObserver(note).observe(document.body, { attributes: true, subtree: true, childList: true });
  }, [selector, attribute] as const);
  return () => page.evaluate((key) => (window as unknown as { __attrHistory: Record<string, string[]> }).__attrHistory[key]!, selector + attribute);
}

describe('a phone on air loses its network for 5 s', () => {
  let slot: { slotId: string; link: string };
  let phone: Page;

  it('the phone joins over its own network and goes on air', async () => {
    slot = await addCameraSlot(director, 'Pont d\'Iéna');
    expect(slot.link.startsWith(`https://${phoneNet.studioIp}:`)).toBe(true);
    phone = await openCamera(phoneNet.browser, slot.link, { color: '#ff0000', toneHz: 1000, width: 640, height: 360 });
    await startStreaming(phone);
    await waitForTileColour(director, slot.slotId, 'red', 20000);
    await director.keyboard.press('1');
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await phone.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 5000 });
    await phone.waitForSelector('[data-testid="link-indicator"][data-link="good"]', { timeout: 10000 });
  });

  it('the page says it is reconnecting, then is live again in the same slot without a reload; the slate covered the gap and the director is told', async () => {
    await phone.evaluate(() => { (window as unknown as { __sameDocument: boolean }).__sameDocument = true; });
    const statusHistory = await recordAttribute(phone, '[data-testid="camera-status"]', 'data-state');
    const linkHistory = await recordAttribute(phone, '[data-testid="link-indicator"]', 'data-link');
    const tileHistory = await recordTileHistory(director, slot.slotId);
    const producing = () => server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === slot.slotId).length;
    const producersBefore = producing();
    const tilesBefore = await director.locator('[data-testid="camera-tile"]').count();

    phoneNet.linkDown();
    const down = Date.now();
    // The page says so by itself, from its own signals (the studio's connection closed,
    // nothing heard on the media transport), not when the browser's ICE gives up (~6 s).
    await untilSeen(statusHistory, 'reconnecting');
    console.log(`link down → camera page says reconnecting in ${Date.now() - down} ms`);
    // While it is gone the program never goes black: the slate covers it.
    await waitForProgramColour(director, 'slate', 4000);
    console.log(`link down → slate on the program monitor in ${Date.now() - down} ms`);
    await phone.waitForTimeout(Math.max(0, 5000 - (Date.now() - down))); // the outage lasts 5 s
    phoneNet.linkUp();
    const up = Date.now();

    await phone.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 45000 });
    const pageLive = Date.now() - up;
    await waitForTileState(director, slot.slotId, 'live', 20000);
    await waitForTileColour(director, slot.slotId, 'red', 20000);
    const tileLive = Date.now() - up;
    const how = producing() === producersBefore ? 'ICE restart, same producers' : 'full rejoin, new producers';
    console.log(`5 s network loss: link up → camera page live in ${pageLive} ms, → director's tile live with picture in ${tileLive} ms (outage total ${Date.now() - down} ms; ${how})`);
    console.log(`camera page: ${(await statusHistory()).join(' → ')}; indicator: ${(await linkHistory()).join(' → ')}; tile: ${(await tileHistory()).join(' → ')}`);

    expect(await phone.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true); // no reload
    expect(await statusHistory()).toContain('reconnecting');
    expect((await linkHistory()).some((l) => l === 'reconnecting' || l === 'offline')).toBe(true);
    expect((await linkHistory()).at(-1)).toMatch(/good|weak/);
    // Same slot: same tile, no new tile, tile never went offline; tally back once the director cuts.
    expect(await director.locator('[data-testid="camera-tile"]').count()).toBe(tilesBefore);
    expect(await tileHistory()).not.toContain('offline/no');
    // The switcher: the slate is on air, the camera is back in preview, the director is told.
    const fallback = director.getByTestId('fallback');
    await director.waitForSelector('[data-testid="fallback"][data-back="yes"]', { timeout: 10000 });
    expect(await fallback.textContent()).toMatch(/Pont d'Iéna is back and in preview/);
    await tile(director, slot.slotId).getByTestId('tile-back').waitFor({ timeout: 5000 });
    await phone.waitForSelector('[data-testid="camera-page"][data-tally="preview"]', { timeout: 5000 });
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await phone.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 5000 });
  });

  it('the director sees the camera\'s last minute of health as a sparkline, with the gap in it', async () => {
    const spark = tile(director, slot.slotId).getByTestId('health-sparkline');
    await spark.waitFor({ timeout: 5000 });
    // One sample a second: give it ten.
    await expect.poll(async () => Number(await spark.getAttribute('data-samples')), { timeout: 15000, interval: 500 }).toBeGreaterThanOrEqual(10);
    // The 5 s outage is in it as seconds with nothing arriving.
    expect(Number(await spark.getAttribute('data-silent-seconds'))).toBeGreaterThanOrEqual(3);
    expect(await spark.getAttribute('aria-label')).toMatch(/last \d+ s: up to \d+ kbps, worst loss \d+\.\d%, \d+ s with nothing arriving/);
  });

  it('a network that goes silent (the phone still attached, nothing getting through) is noticed by the page itself; back in the same producers', async () => {
    // Nothing the browser could notice: no interface change, no connection closed. Only
    // silence on the media transport, then socket.io's heartbeat, then ICE's checks.
    await phone.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 20000 });
    await waitForTileState(director, slot.slotId, 'live', 20000);
    const statusHistory = await recordAttribute(phone, '[data-testid="camera-status"]', 'data-state');
    const tileHistory = await recordTileHistory(director, slot.slotId);
    const producing = () => server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === slot.slotId).length;
    const producersBefore = producing();
    const restarts = () => server.logLines().filter((l) => l.msg === 'camera ICE restart' && l.slot === slot.slotId).length;
    const restartsBefore = restarts();
    const tilesBefore = await director.locator('[data-testid="camera-tile"]').count();

    phoneNet.cutUpstream();
    const cut = Date.now();
    await untilSeen(statusHistory, 'reconnecting');
    console.log(`network silent → camera page says reconnecting in ${Date.now() - cut} ms`);
    await phone.waitForTimeout(Math.max(0, 5000 - (Date.now() - cut)));
    phoneNet.restoreUpstream();
    const back = Date.now();

    await phone.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 45000 });
    await waitForTileState(director, slot.slotId, 'live', 20000);
    await waitForTileColour(director, slot.slotId, 'red', 20000);
    console.log(`5 s of silence: back → camera page live, tile live with picture in ${Date.now() - back} ms; ICE restarts ${restarts() - restartsBefore}`);
    console.log(`camera page: ${(await statusHistory()).join(' → ')}; tile: ${(await tileHistory()).join(' → ')}`);
    expect(producing()).toBe(producersBefore); // the same transport and producers: no rejoin
    expect(await director.locator('[data-testid="camera-tile"]').count()).toBe(tilesBefore);
    expect(await tileHistory()).not.toContain('offline/no');
  });
  it('a glitch is not a show stop: the on-air camera silent for a moment is covered by the slate, then back on air by itself; the director\'s preview is untouched', async () => {
    // On air again (the last test left it in preview), with the slate lined up next.
    await phone.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 20000 });
    await director.keyboard.press('1');
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await director.keyboard.press('0');
    await director.waitForSelector('[data-testid="preview-monitor"][data-source-label="Slate"]', { timeout: 5000 });

    phoneNet.cutUpstream(); // nothing gets through, nothing the phone could notice
    const cut = Date.now();
    const slateTaken = () => server.logLines().some((l) => l.msg === 'on-air source stalled; slate on air' && l.source === slot.slotId && (l.time as number) >= cut);
    await expect.poll(slateTaken, { timeout: 10000, interval: 50 }).toBe(true);
    phoneNet.restoreUpstream(); // a moment, not an outage: the phone never reconnects
    const restored = Date.now();
    console.log(`upstream cut → slate taken after ${restored - cut} ms; restored`);
    // The slate went on air, and, no key pressed, the camera went back on air by itself.
    const since = (msg: string, source: string) => () => server.logLines().filter((l) => l.msg === msg && l.source === source && (l.time as number) >= cut).length;
    await expect.poll(since('on air', 'slate'), { timeout: 5000, interval: 50 }).toBeGreaterThanOrEqual(1);
    await expect.poll(since('the camera the slate replaced is back and steady; on air again by itself', slot.slotId), { timeout: 10000, interval: 50 }).toBe(1);
    await waitForProgramColour(director, 'red', 10000);
    console.log(`restored → camera back on air by itself, on the program monitor, after ${Date.now() - restored} ms`);
    expect(await director.getByTestId('preview-monitor').getAttribute('data-source-label')).toBe('Slate');
    expect(await director.getByTestId('fallback').count()).toBe(0);
    await phone.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 5000 });
  });

  it('with "dissolve to slate" chosen, the stalled camera\'s last picture fades into the slate on the program', async () => {
    await director.getByLabel('Slate on a stalled camera').selectOption('mix');
    await director.getByLabel('Slate on a stalled camera').blur(); // (the keys act on the switcher again)
    await director.waitForFunction(() => document.querySelector<HTMLSelectElement>('select[aria-label="Slate on a stalled camera"]')?.value === 'mix');
    await waitForProgramColour(director, 'red', 10000);
    // Every frame of the program monitor, read for its centre, while the camera stalls.
    const sampling = director.evaluate(async () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="program-monitor"] video')!;
      const canvas = document.createElement('canvas');
      canvas.width = 1; canvas.height = 1;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const seen: number[][] = [];
      const w = window as unknown as { __stopSampling?: boolean };
      await new Promise<void>((resolve) => {
        const onFrame = () => {
          ctx.drawImage(video, video.videoWidth / 2, video.videoHeight / 2, 1, 1, 0, 0, 1, 1);
          seen.push([...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)]);
          if (w.__stopSampling) resolve(); else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      });
      return seen;
    });
    phoneNet.cutUpstream();
    const cut = Date.now();
    const slateOnAir = () => server.logLines().some((l) => l.msg === 'on air' && l.source === 'slate' && (l.time as number) >= cut);
    await expect.poll(slateOnAir, { timeout: 10000, interval: 50 }).toBe(true);
    await waitForProgramColour(director, 'slate', 10000); // (the dissolve has ended)
    await director.evaluate(() => { (window as unknown as { __stopSampling?: boolean }).__stopSampling = true; });
    const seen = await sampling;
    phoneNet.restoreUpstream();
    // Red, then frames between red and the slate's dark grey-blue, then the slate (a cut has none between).
    const between = seen.filter(([r, g, b]) => r! > 80 && r! < 200 && g! < 70 && b! < 80);
    expect(between.length, `frames between red and the slate (seen: ${seen.map((c) => c.join('/')).join(' ')})`).toBeGreaterThanOrEqual(3);
    await director.getByLabel('Slate on a stalled camera').selectOption('cut');
    await director.getByLabel('Slate on a stalled camera').blur();
    // On air again for what follows: back by itself, or back and waiting in preview (the
    // studio says so) for the director's cut.
    const backOnAir = () => server.logLines().some((l) => l.msg === 'the camera the slate replaced is back and steady; on air again by itself' && (l.time as number) >= cut);
    const waiting = () => director.locator('[data-testid="fallback"][data-back="yes"]').count().then((n) => n > 0);
    await expect.poll(async () => backOnAir() || await waiting(), { timeout: 30000, interval: 100 }).toBe(true);
    if (!backOnAir()) await director.keyboard.press('Space'); // (it is in preview)
    await waitForProgramColour(director, 'red', 20000);
  });
});

describe('the operator\'s controls, live', () => {
  let slot: { slotId: string; link: string };
  let phone: Page;

  beforeAll(async () => {
    slot = await addCameraSlot(director, 'Quai Branly');
    phone = await openCamera(browser, slot.link.replace(phoneNet.studioIp, '127.0.0.1'), { color: '#0000ff', toneHz: 440 });
    await startStreaming(phone);
    await waitForTileColour(director, slot.slotId, 'blue', 20000);
    await waitForTileState(director, slot.slotId, 'live', 10000);
  });

  const tileRes = async () => {
    const text = (await tile(director, slot.slotId).getByTestId('tile-stats').textContent()) ?? '';
    const m = /res(\d+)×(\d+).*fps(\d+|—)/.exec(text);
    return m ? { width: Number(m[1]), height: Number(m[2]), fps: Number(m[3]) || 0 } : undefined;
  };
  /**
   * Until the tile reports what the top layer really sends matching `ok`. A quality is
   * a ceiling: on a busy machine Chromium sends less than it captures (¾ steps of
   * resolution, the frame rate kept), and the tile honestly says so.
   */
  const waitForTile = async (what: string, ok: (r: { width: number; height: number; fps: number }) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await tileRes();
      if (r && r.height > 0 && ok(r)) return;
      await director.waitForTimeout(250);
    }
    throw new Error(`the tile did not report ${what} (last: ${JSON.stringify(await tileRes())})`);
  };

  it('the operator changes quality while live: same producer, the tile never flickers, the studio gets the new size', async () => {
    // The top layer (720p) is sent once the uplink's bandwidth estimate has ramped up to
    // it: 7–20 s measured on two busy cores. The wait ends when it is there.
    await waitForTile('the top layer (720 lines, or ¾ of them on a busy machine)', (r) => r.height >= 540, 60000);
    const history = await recordTileHistory(director, slot.slotId);
    const producing = () => server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === slot.slotId).length;
    const before = producing();
    await phone.getByTestId('quality').selectOption('480p30');
    await waitForTile('at most 480 lines', (r) => r.height <= 480, 15000);
    expect(await tile(director, slot.slotId).getByTestId('tile-quality').textContent()).toBe('480p30');
    await waitForTileColour(director, slot.slotId, 'blue', 5000);
    expect(await history()).toEqual(['live/yes']);
    expect(producing()).toBe(before);
  });

  it('the director asks the camera for another quality; the operator sees it applied', async () => {
    const history = await recordTileHistory(director, slot.slotId);
    await director.getByLabel('Quality for Quai Branly').selectOption('360p15');
    await phone.waitForSelector('[data-testid="camera-notice"]', { timeout: 5000 });
    expect(await phone.getByTestId('camera-notice').textContent()).toContain('360p15');
    expect(await phone.getByTestId('quality').inputValue()).toBe('360p15');
    // 15 fps is what tells it from 480p30 sent at ¾ size (also 360 lines) on a busy machine.
    await waitForTile('at most 360 lines at about 15 fps', (r) => r.height <= 360 && r.fps > 0 && r.fps <= 17, 15000);
    expect(await history()).toEqual(['live/yes']);
  });

  it('muting the mic shows on the director\'s tile; unmuting clears it', async () => {
    await phone.getByTestId('mic').click();
    await tile(director, slot.slotId).getByTestId('tile-mic-muted').waitFor({ timeout: 5000 });
    expect(await phone.getByTestId('mic').getAttribute('aria-pressed')).toBe('true');
    await phone.getByTestId('mic').click();
    await tile(director, slot.slotId).getByTestId('tile-mic-muted').waitFor({ state: 'detached', timeout: 5000 });
  });

  it('the page going to the background shows "paused" on the director\'s tile, and the operator is told on return', async () => {
    const setVisibility = (state: 'hidden' | 'visible') => phone.evaluate((s) => {
      // What the browser does when the phone locks or another app comes in front.
      Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
    const wakeLockHeld = await phone.getByTestId('wake-lock').count() > 0;
    await setVisibility('hidden');
    await waitForTileState(director, slot.slotId, 'paused', 5000);
    expect(await tile(director, slot.slotId).locator('.tile-cover small').textContent()).toMatch(/background/);
    await setVisibility('visible');
    await waitForTileState(director, slot.slotId, 'live', 5000);
    expect(await phone.getByTestId('camera-notice').textContent()).toMatch(/background/);
    // The browser drops a wake lock when the page is hidden: it is taken again on return.
    if (wakeLockHeld) await phone.getByTestId('wake-lock').waitFor({ timeout: 5000 });
  });

  it('the screen is kept awake while streaming (Screen Wake Lock)', async () => {
    const indicator = phone.getByTestId('link-indicator');
    const held = await phone.evaluate(async () => {
      if (!('wakeLock' in navigator)) return 'unsupported';
      try { const s = await navigator.wakeLock.request('screen'); await s.release(); return 'granted'; } catch (e) { return (e as Error).name; }
    });
    console.log(`wake lock in this browser: ${held}`);
    if (held === 'granted') await phone.getByTestId('wake-lock').waitFor({ timeout: 5000 });
    else expect(await indicator.textContent()).toContain('keep the screen on yourself');
  });
});
