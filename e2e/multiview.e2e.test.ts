// A show, end to end: real Chromium cameras, the real server and mediasoup workers.
// Two operators join ("Tower — north" in red, "Trocadéro" in blue), the director
// sees both angles live, cameras come and go, and bad links are turned away.
import jsQRModule from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, launchFreezableBrowser } from '../testkit/browser.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, recordTileHistory, startStreaming, tile, waitForTileColour, waitForTileState } from '../testkit/studio.js';

// jsqr is CommonJS with an `exports.default`; take the function whichever way it comes.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

let server: RegieServer;
let browser: Browser;
let director: Page;
const cams: Record<'north' | 'troca', { slotId: string; link: string; page?: Page }> = {} as never;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a show with two cameras', () => {
  it('the director creates two camera slots, each with its own invite link and QR code', async () => {
    director = await openStudio(browser, server.url, server.secret);
    cams.north = await addCameraSlot(director, 'Tower — north');
    cams.troca = await addCameraSlot(director, 'Trocadéro');
    expect(cams.north.link).toMatch(/\/camera#token=[A-Za-z0-9_-]{22}$/);
    expect(cams.troca.link).not.toBe(cams.north.link);
    await director.locator(`[data-slot-id="${cams.north.slotId}"]`).getByRole('button', { name: 'QR code' }).click();
    const qr = director.locator(`[data-slot-id="${cams.north.slotId}"] [data-testid="invite-qr"] svg`);
    await qr.waitFor({ timeout: 5000 });
    // Scan it as a phone would: decode the rendered pixels.
    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(cams.north.link);
    expect(await tile(director, cams.north.slotId).getAttribute('data-state')).toBe('waiting');
  });

  it('two cameras join and the multiview shows red in one tile and blue in the other', async () => {
    cams.north.page = await openCamera(browser, cams.north.link, { color: '#ff0000', toneHz: 1000 });
    cams.troca.page = await openCamera(browser, cams.troca.link, { color: '#0000ff', toneHz: 440 });
    expect(await cams.north.page.getByTestId('camera-slot').textContent()).toBe('Tower — north');
    await startStreaming(cams.north.page);
    await startStreaming(cams.troca.page);
    await waitForTileState(director, cams.north.slotId, 'live', 15000);
    await waitForTileState(director, cams.troca.slotId, 'live', 15000);
    await waitForTileColour(director, cams.north.slotId, 'red', 20000);
    await waitForTileColour(director, cams.troca.slotId, 'blue', 20000);
    // Chromium has H.264: the cameras send it, in three simulcast layers, with Opus audio.
    const producing = server.logLines().filter((l) => l.msg === 'camera producing');
    expect(producing.filter((l) => l.kind === 'video').map((l) => [l.codec, l.layers])).toEqual([['video/H264', 3], ['video/H264', 3]]);
    expect(producing.filter((l) => l.kind === 'audio').map((l) => l.codec)).toEqual(['audio/opus', 'audio/opus']);
  });

  it('each tile shows the camera\'s resolution, frame rate, bitrate and loss', async () => {
    const stats = tile(director, cams.north.slotId).getByTestId('tile-stats');
    await director.waitForFunction((id) => {
      const text = document.querySelector(`[data-slot-id="${id}"] [data-testid="tile-stats"]`)?.textContent ?? '';
      return /res\d+×\d+/.test(text) && /fps\d+/.test(text) && !/kbps0(?!\d)/.test(text);
    }, cams.north.slotId, { timeout: 15000 });
    const text = (await stats.textContent())!;
    // The tile plays the lowest simulcast layer (a quarter of the camera's size), to stay light.
    const tileWidth = await tile(director, cams.north.slotId).locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth);
    expect(tileWidth).toBeGreaterThan(0);
    expect(tileWidth).toBeLessThanOrEqual(320);
    const [, w, h] = /res(\d+)×(\d+)/.exec(text)!;
    expect(Number(w)).toBeGreaterThanOrEqual(320);
    expect(Number(h)).toBeGreaterThanOrEqual(180);
    expect(text).toMatch(/loss\d+\.\d%/);
  });

  it('a camera that closes its page shows offline within 3 s; the other stays live', async () => {
    const closed = Date.now();
    await cams.north.page!.context().close();
    await waitForTileState(director, cams.north.slotId, 'offline', 3000);
    console.log(`camera closed → tile offline in ${Date.now() - closed} ms`);
    expect(await tile(director, cams.troca.slotId).getAttribute('data-state')).toBe('live');
    await waitForTileColour(director, cams.troca.slotId, 'blue', 5000);
  });

  it('the camera rejoins with the same link and takes its tile back', async () => {
    cams.north.page = await openCamera(browser, cams.north.link, { color: '#ff0000', toneHz: 1000 });
    await startStreaming(cams.north.page);
    await waitForTileState(director, cams.north.slotId, 'live', 15000);
    await waitForTileColour(director, cams.north.slotId, 'red', 20000);
    expect(await director.locator('[data-testid="camera-tile"]').count()).toBe(2);
  });

  it('switching front/back camera keeps the same slot: the tile changes picture without ever going off', async () => {
    const phone = await openCamera(browser, cams.north.link, { color: '#ff0000', toneHz: 1000, frontColor: '#00ff00' });
    await startStreaming(phone);
    await waitForTileColour(director, cams.north.slotId, 'red', 20000);
    await waitForTileState(director, cams.north.slotId, 'live', 10000); // media measured as flowing
    const history = await recordTileHistory(director, cams.north.slotId);
    await phone.getByRole('button', { name: 'Front' }).click();
    await waitForTileColour(director, cams.north.slotId, 'green', 10000);
    await phone.getByRole('button', { name: 'Back' }).click();
    await waitForTileColour(director, cams.north.slotId, 'red', 10000);
    expect(await history()).toEqual(['live/yes']); // no offline, no lost video in between
    const producing = server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === cams.north.slotId);
    const before = producing.length;
    await phone.waitForTimeout(500);
    expect(server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === cams.north.slotId)).toHaveLength(before);
    cams.north.page = phone; // this page now sends in the slot (the previous one was replaced)
  });

  it('a camera that drops off the network without closing shows "no signal" within 3 s, keeps its slot, then comes back by itself in the same producers', async () => {
    const phone = await launchFreezableBrowser();
    try {
      const slot = await addCameraSlot(director, 'Champ de Mars');
      const page = await openCamera(phone.browser, slot.link, { color: '#00ff00', toneHz: 700 });
      // 'live' on the page: its join went through, video and audio producers both made.
      // (The tile shows green as soon as the video producer sends, which can be before
      // the audio one exists: frozen then, the page makes it when it comes back, which
      // is no rejoin but would count as a new producer here.)
      await startStreaming(page);
      await waitForTileColour(director, slot.slotId, 'green', 20000);
      const producers = () => server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === slot.slotId).map((l) => String(l.kind));
      await expect.poll(() => producers().sort(), { timeout: 10000, interval: 50 }).toEqual(['audio', 'video']);
      const producing = () => producers().length;
      const producersBefore = producing();
      const dropped = Date.now();
      phone.freeze(); // no media, no heartbeat, no goodbye: like a phone losing its network
      await director.waitForSelector(
        `[data-testid="camera-tile"][data-slot-id="${slot.slotId}"]:is([data-state="stalled"], [data-state="reconnecting"])`, { timeout: 3000 });
      console.log(`camera dropped → tile not live in ${Date.now() - dropped} ms`);
      // The heartbeat times out: the slot is kept for the camera ("reconnecting"), not given up.
      await waitForTileState(director, slot.slotId, 'reconnecting', 10000);
      console.log(`camera dropped → tile reconnecting (heartbeat timeout) in ${Date.now() - dropped} ms`);
      expect(await tile(director, slot.slotId).getByTestId('tile-state').textContent()).toBe('reconnecting');
      phone.thaw();
      const back = Date.now();
      await waitForTileState(director, slot.slotId, 'live', 20000);
      await waitForTileColour(director, slot.slotId, 'green', 10000);
      console.log(`camera back → tile live again in ${Date.now() - back} ms`);
      // Back in the same producers (no new ones: the consumers, the switcher taps stay).
      expect(producing()).toBe(producersBefore);
      // Its page reconnects to the studio too (the media may come back a little before).
      await expect.poll(() => server.logLines().some((l) => l.msg === 'camera reconnected within its grace period' && l.slot === slot.slotId),
        { timeout: 15000, interval: 250 }).toBe(true);
      await tile(director, slot.slotId).getByTestId('tile-back').waitFor({ timeout: 5000 });
      director.once('dialog', (dialog) => void dialog.accept());
      await director.locator(`[data-testid="slot-item"][data-slot-id="${slot.slotId}"]`).getByRole('button', { name: 'Remove' }).click();
      await tile(director, slot.slotId).waitFor({ state: 'detached', timeout: 5000 });
    } finally {
      await phone.close();
    }
  });

  it('when a mediasoup worker dies it is replaced and the cameras come back by themselves', async () => {
    const before = await server.workerPids();
    expect(before.length).toBeGreaterThanOrEqual(1);
    const north = await recordTileHistory(director, cams.north.slotId);
    const troca = await recordTileHistory(director, cams.troca.slotId);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    // Every camera was on one of the killed workers: each tile must lose its video,
    // then get it back from a new worker, with nobody touching the camera pages.
    const lostAndBack = async (history: () => Promise<string[]>) => {
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline) {
        const h = await history();
        const lost = h.findIndex((s) => s.endsWith('/no'));
        if (lost >= 0 && h.slice(lost).includes('live/yes') && h.at(-1) === 'live/yes') return h;
        await director.waitForTimeout(200);
      }
      throw new Error(`tile did not drop and come back: ${(await history()).join(' → ')}`);
    };
    await lostAndBack(north);
    await lostAndBack(troca);
    await waitForTileColour(director, cams.north.slotId, 'red', 10000);
    await waitForTileColour(director, cams.troca.slotId, 'blue', 10000);
    const after = await server.workerPids();
    expect(after.length).toBe(before.length);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    const died = server.logLines().filter((l) => l.msg === 'mediasoup worker died; replacing it');
    expect(died.length).toBe(before.length);
  });
});

describe('bad camera links are refused with a reason', () => {
  const cases = [
    { what: 'no token', hash: '', message: /no invite token/ },
    { what: 'a damaged token', hash: '#token=abc', message: /damaged/ },
    { what: 'an unknown token', hash: '#token=AAAAAAAAAAAAAAAAAAAAAA', message: /no longer valid/ },
  ];
  for (const c of cases) {
    it(`a camera page with ${c.what} says why it cannot join`, async () => {
      const page = await openCamera(browser, `${server.url}/camera${c.hash}`, { color: '#00ff00', toneHz: 500 });
      const error = page.getByTestId('camera-error');
      await error.waitFor({ timeout: 10000 });
      expect(await error.textContent()).toMatch(c.message);
      await page.context().close();
    });
  }

  it('a renewed invite stops the old link; the new one works in the same slot', async () => {
    const item = director.locator(`[data-testid="slot-item"][data-slot-id="${cams.troca.slotId}"]`);
    await item.getByRole('button', { name: 'New link' }).click();
    await director.waitForFunction(([id, old]) =>
      (document.querySelector(`[data-slot-id="${id}"] [data-testid="invite-link"]`) as HTMLInputElement)?.value !== old,
    [cams.troca.slotId, cams.troca.link] as const, { timeout: 5000 });
    // The page that was sending with the old link is told, and stops.
    await cams.troca.page!.getByTestId('camera-error').waitFor({ timeout: 5000 });
    const stale = await openCamera(browser, cams.troca.link, { color: '#0000ff', toneHz: 440 });
    await stale.getByTestId('camera-error').waitFor({ timeout: 10000 });
    expect(await stale.getByTestId('camera-error').textContent()).toMatch(/no longer valid/);
    await stale.context().close();
    const fresh = await item.getByTestId('invite-link').inputValue();
    await cams.troca.page!.context().close();
    cams.troca.page = await openCamera(browser, fresh, { color: '#0000ff', toneHz: 440 });
    await startStreaming(cams.troca.page);
    await waitForTileColour(director, cams.troca.slotId, 'blue', 20000);
  });
});

describe('secrets stay secret', () => {
  it('neither the director secret nor any invite token appears in the server output', async () => {
    const out = server.output();
    expect(out.length).toBeGreaterThan(1000); // it did log the show above
    const tokens = await director.$$eval('[data-testid="invite-link"]', (els) =>
      els.map((e) => new URL((e as HTMLInputElement).value).hash.replace('#token=', '')));
    const oldToken = new URL(cams.troca.link).hash.replace('#token=', '');
    for (const secret of [server.secret, ...tokens, oldToken]) expect(out).not.toContain(secret);
  });
});
