// What the studio and the phone look like, saved as PNGs in test-results/screenshots/
// at fixed sizes: the director at 1440×900 (idle, live after a cut, a destination
// failing), the phone at 390×844 and 844×390 (sending, on air, a talkback message).
// Each is taken once the state is really reached (the page says so, and its videos show
// decoded frames of the right camera), never after a sleep. Real Chromium, server and
// nginx-rtmp receiver; the README's pictures are copies of some of these.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import { classify, videoColor } from '../testkit/colour.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { freePort } from '../testkit/ports.js';
import { NginxRtmp, REJECTED_KEY } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import {
  addCameraSlot, openStudio, startStreaming, waitForMonitorColour, waitForProgramColour, waitForTileColour,
} from '../testkit/studio.js';
import { Control } from './harness/control.js';

const DIR = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const DESKTOP = { width: 1440, height: 900 };
const PORTRAIT = { width: 390, height: 844 };
const LANDSCAPE = { width: 844, height: 390 };

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let phone: Page;
let tower: { slotId: string; link: string };
let square: { slotId: string; link: string };
const nginx = new NginxRtmp();

/**
 * Saves the page as it is now and reads the file back: a PNG of the viewport's size
 * with a picture in it (many colours, not one blank fill).
 */
async function shoot(page: Page, name: string): Promise<void> {
  // No hover or focus ring left on the last button clicked (the keys work without focus).
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const path = join(DIR, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  const bytes = readFileSync(path);
  const png = PNG.sync.read(bytes);
  expect([png.width, png.height]).toEqual([page.viewportSize()!.width, page.viewportSize()!.height]);
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 7) colours.add(png.data.readUInt32BE(i));
  console.log(`${name}.png: ${png.width}×${png.height}, ${(bytes.length / 1024).toFixed(0)} KiB, ${colours.size} colours sampled`);
  expect(bytes.length).toBeGreaterThan(10_000);
  expect(colours.size).toBeGreaterThan(50);
}

/** Until the phone's own preview shows its camera (decoded frames, not a black box). */
async function waitForPhonePreview(timeoutMs: number): Promise<void> {
  await expect.poll(async () => classify(await videoColor(phone, '.camera-preview')), { timeout: timeoutMs, interval: 100 }).toBe('red');
}

/** Until the page is laid out at the size (a resize is applied by the page's next frames, not at once). */
async function resize(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await page.waitForFunction(({ width, height }) => innerWidth === width && innerHeight === height, size);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Until every tile has its numbers (resolution, and the last seconds' graph), as a director reads them. */
async function waitForTileNumbers(): Promise<void> {
  await director.waitForFunction(() => {
    const tiles = [...document.querySelectorAll('[data-testid="camera-tile"]')];
    return tiles.every((t) => /\d+×\d+/.test(t.querySelector('[data-testid="tile-stats"]')?.textContent ?? '')
      && t.querySelector('[data-testid="health-sparkline"]'));
  }, undefined, { timeout: 15000 });
}

const destination = (name: string) =>
  director.locator('[data-testid="destination"]', { has: director.locator('strong', { hasText: name }) });

beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  await nginx.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800' });
  control = await Control.connect(server);
  await control.request('destination:add', { name: 'YouTube', protocol: 'rtmp', url: nginx.url(false), streamKey: 'screenshots' });
  await control.request('show:setCountdown', { at: new Date(Date.now() + 3_600_000).toISOString(), label: 'Midnight' });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  await resize(director, DESKTOP);
  tower = await addCameraSlot(director, 'Tour Eiffel');
  square = await addCameraSlot(director, 'Trocadéro');
  phone = await openCamera(browser, tower.link, { color: '#ff0000', toneHz: 1000, width: 1280, height: 720 });
  await resize(phone, PORTRAIT);
  const other = await openCamera(browser, square.link, { color: '#0000ff', toneHz: 440, width: 640, height: 360 });
  await startStreaming(phone);
  await startStreaming(other);
  await waitForTileColour(director, tower.slotId, 'red', 20000);
  await waitForTileColour(director, square.slotId, 'blue', 20000);
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  nginx.stop();
});

describe('screenshots at fixed sizes, each of a state reached', () => {
  it('the phone in portrait, sending', async () => {
    // The sign with its first measurement in (good, or weak on a loaded machine), not the 0 kbps of the start.
    await phone.locator('[data-testid="link-indicator"]:is([data-link="good"], [data-link="weak"])', { hasText: /\b[1-9]\d* kbps/ })
      .waitFor({ timeout: 15000 });
    await waitForPhonePreview(10000);
    await shoot(phone, 'phone-portrait-sending');
  });

  it('the phone in landscape, sending', async () => {
    await resize(phone, LANDSCAPE);
    await waitForPhonePreview(5000);
    await shoot(phone, 'phone-landscape-sending');
    await resize(phone, PORTRAIT);
  });

  it('the director, cameras sending, off air, one in preview', async () => {
    await director.keyboard.press('1');
    await waitForMonitorColour(director, 'preview', 'red', 10000);
    await director.waitForSelector('[data-testid="on-air-sign"][data-on-air="no"]');
    await waitForTileNumbers();
    await shoot(director, 'director-idle');
  });

  it('the director live: on air, a cut done, the next camera in preview', async () => {
    await director.getByTestId('go-live').click();
    await director.waitForSelector('[data-testid="on-air-sign"][data-on-air="yes"]', { timeout: 20000 });
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await director.keyboard.press('2');
    await waitForMonitorColour(director, 'preview', 'blue', 10000);
    await destination('YouTube').and(director.locator('[data-state="live"]')).waitFor({ timeout: 30000 });
    await waitForTileColour(director, square.slotId, 'blue', 5000);
    await waitForTileNumbers();
    await shoot(director, 'director-live');
  });

  it('the phone on air (tally)', async () => {
    await phone.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 10000 });
    await waitForPhonePreview(5000);
    await shoot(phone, 'phone-on-air');
  });

  it('the phone with a message from the director', async () => {
    const box = director.getByLabel('Message to Tour Eiffel');
    await box.fill('Wide shot of the tower, please');
    await box.press('Enter');
    await phone.getByTestId('talkback-message').waitFor({ timeout: 5000 });
    await waitForPhonePreview(5000);
    await shoot(phone, 'phone-talkback');
  });

  it('the director with destinations failing: a refused stream key, a server that is down', async () => {
    // Added while live and started by hand, as a director adds a platform mid-show.
    const twitch = await control.request<{ destinationId: string }>('destination:add',
      { name: 'Twitch', protocol: 'rtmp', url: nginx.url(false), streamKey: REJECTED_KEY });
    const backup = await control.request<{ destinationId: string }>('destination:add',
      { name: 'Backup server', protocol: 'rtmp', url: `rtmp://127.0.0.1:${await freePort()}/live`, streamKey: 'backup' });
    await control.request('destination:start', { destinationId: twitch.destinationId });
    await control.request('destination:start', { destinationId: backup.destinationId });
    await destination('Twitch').and(director.locator('[data-state="failed"]')).waitFor({ timeout: 30000 });
    await destination('Backup server').getByTestId('destination-error').waitFor({ timeout: 30000 });
    // Beside them, the one that works says so (a program encoder restarting by itself would make it wait).
    await destination('YouTube').and(director.locator('[data-state="live"]')).waitFor({ timeout: 30000 });
    await waitForProgramColour(director, 'red', 5000);
    await waitForMonitorColour(director, 'preview', 'blue', 5000);
    await shoot(director, 'director-destination-failing');
  });
});
