// Accessibility, checked by axe-core in real Chromium on the pages as a show uses them:
// the director's sign-in, the studio with a camera sending, the show live with a cut
// done, destinations failing and the add-destination form saying what is wrong, and the
// camera page on a phone before Start, sending, on air and with a talkback message.
// A serious or critical violation fails; every violation is printed, so a failure
// explains itself (the moderate and minor ones are printed, not failed).
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../testkit/browser.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { freePort } from '../testkit/ports.js';
import { NginxRtmp, REJECTED_KEY } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let camera: Page;
let slot: { slotId: string; link: string };
const nginx = new NginxRtmp();
const PHONE = { width: 390, height: 844 };

/**
 * Runs axe on the page as it is, every rule on, nothing excluded; prints every violation
 * (rule, impact, help, the elements and what to fix) and returns the serious and critical
 * ones. What axe cannot decide is named too: words over a video (the tiles, the monitors)
 * have no background it can read, so their contrast is set for a white picture in styles.css.
 */
async function violations(page: Page, what: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  const details = results.violations.map((v) => [
    `${v.impact ?? 'no impact'} ${v.id}: ${v.help}`,
    ...v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`),
  ].join('\n'));
  const review = results.incomplete.map((r) => `${r.id} (${r.nodes.length})`).join(', ');
  console.log([
    `axe, ${what}: ${results.violations.length} violation(s), ${results.passes.length} rules passed${review ? `, to review by hand: ${review}` : ''}`,
    ...details,
  ].join('\n  '));
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

beforeAll(async () => {
  await nginx.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800' });
  control = await Control.connect(server);
  await control.request('destination:add', { name: 'Receiver', protocol: 'rtmp', url: nginx.url(false), streamKey: 'a11y' });
  // The countdown's words show in the studio's header and on the phone: checked with them.
  await control.request('show:setCountdown', { at: new Date(Date.now() + 3_600_000).toISOString(), label: 'Midnight' });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  slot = await addCameraSlot(director, 'Tour Eiffel');
  camera = await openCamera(browser, slot.link, { color: '#ff0000', toneHz: 1000, width: 640, height: 360 });
  await camera.setViewportSize(PHONE);
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  nginx.stop();
});

describe('accessibility (axe-core): no serious or critical violation', () => {
  it('the director\'s sign-in page', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/studio`);
    await page.getByLabel('Director secret').waitFor({ timeout: 10000 });
    expect(await violations(page, 'sign-in')).toEqual([]);
    await page.context().close();
  });

  it('the camera page on a phone, before Start', async () => {
    await camera.waitForSelector('[data-testid="start-streaming"]:not([disabled])', { timeout: 15000 });
    expect(await violations(camera, 'camera page, before Start')).toEqual([]);
  });

  it('the studio with a camera sending, off air', async () => {
    await startStreaming(camera);
    await waitForTileColour(director, slot.slotId, 'red', 20000);
    await director.getByRole('button', { name: 'QR code' }).click(); // the invite, as it is shown to an operator
    await director.locator('[data-testid="invite-qr"] svg').waitFor({ timeout: 5000 });
    expect(await violations(director, 'studio, a camera sending')).toEqual([]);
  });

  it('the studio live, a cut done, destinations failing, the add-destination form saying what is wrong', async () => {
    // A wrong stream key (refused: failed) and a closed port (refused: retrying), as a director meets them.
    await control.request('destination:add', { name: 'Twitch', protocol: 'rtmp', url: nginx.url(false), streamKey: REJECTED_KEY });
    await control.request('destination:add', { name: 'Backup', protocol: 'rtmp', url: `rtmp://127.0.0.1:${await freePort()}/live`, streamKey: 'backup' });
    await director.getByTestId('go-live').click();
    await director.waitForSelector('[data-testid="on-air-sign"][data-on-air="yes"]', { timeout: 20000 });
    await director.keyboard.press('1');
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    const row = (name: string) => director.locator('[data-testid="destination"]', { has: director.locator('strong', { hasText: name }) });
    await row('Receiver').and(director.locator('[data-state="live"]')).waitFor({ timeout: 30000 });
    await row('Twitch').and(director.locator('[data-state="failed"]')).waitFor({ timeout: 30000 });
    await row('Backup').getByTestId('destination-error').waitFor({ timeout: 30000 });
    await director.keyboard.press('?'); // the keyboard shortcuts, shown
    await director.getByTestId('keys').waitFor({ timeout: 3000 });
    const panel = director.getByLabel('Destinations');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    await panel.locator('form.destination-form').getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('field-error-streamKey').waitFor({ timeout: 3000 });
    expect(await violations(director, 'studio live, destinations failing, a form with errors')).toEqual([]);
  });

  it('the viewers\' watch page, playing the program', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/watch`);
    await page.waitForSelector('[data-testid="watch-page"][data-state="on-air"]', { timeout: 30000 });
    await page.getByTestId('watch-video').waitFor({ timeout: 10000 });
    expect(await violations(page, 'watch page, on air')).toEqual([]);
    await page.context().close();
  });

  it('the camera page on a phone, sending and on air', async () => {
    await camera.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 10000 });
    await camera.getByTestId('link-indicator').waitFor({ timeout: 5000 });
    expect(await violations(camera, 'camera page, on air')).toEqual([]);
  });

  it('the camera page on a phone, with a message from the director', async () => {
    await director.getByLabel('Message to Tour Eiffel').fill('Wide shot of the tower, please');
    await director.getByLabel('Message to Tour Eiffel').press('Enter');
    await camera.getByTestId('talkback-message').waitFor({ timeout: 5000 });
    expect(await violations(camera, 'camera page, on air, a talkback message')).toEqual([]);
  });
});
