// The show's own state at a glance: OFF AIR / ON AIR, the time on air, the wall clock,
// a countdown the director sets (shown on the camera pages too), Go live saying it is
// starting, and the two clicks that cannot be taken back asking first: End live in the
// studio, Stop on a phone that is on air. Real Chromium, server and nginx-rtmp receiver.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { NginxRtmp, REJECTED_KEY } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let camera: Page;
const nginx = new NginxRtmp();

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent()) ?? '';

/** Every text an element takes, in order (a short state is missed by polling). */
async function recordText(page: Page, testId: string): Promise<() => Promise<string[]>> {
  await page.evaluate((id) => {
    const w = window as unknown as { __texts?: Record<string, string[]> };
    w.__texts ??= {};
    const seen: string[] = (w.__texts[id] = []);
    const note = () => {
      const t = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(none)';
      if (seen.at(-1) !== t) seen.push(t);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, testId);
  return () => page.evaluate((id) => (window as unknown as { __texts: Record<string, string[]> }).__texts[id]!, testId);
}

beforeAll(async () => {
  await nginx.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800' });
  control = await Control.connect(server);
  await control.request('destination:add', { name: 'Receiver', protocol: 'rtmp', url: nginx.url(false), streamKey: 'show-state' });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  const slot = await addCameraSlot(director, 'Tour Eiffel');
  camera = await openCamera(browser, slot.link, { color: '#ff0000', toneHz: 1000, width: 640, height: 360 });
  await startStreaming(camera);
  await waitForTileColour(director, slot.slotId, 'red', 20000);
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  nginx.stop();
});

describe('the show\'s own state', () => {
  it('off air: the sign says so, and the wall clock runs', async () => {
    expect(await text(director, 'on-air-sign')).toBe('OFF AIR');
    expect(await director.getByTestId('time-on-air').count()).toBe(0);
    const first = await text(director, 'wall-clock');
    expect(first).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await expect.poll(() => text(director, 'wall-clock'), { timeout: 3000 }).not.toBe(first);
  });

  it('the director sets a countdown: the studio and the camera page count down to it, and it is kept', async () => {
    await director.getByRole('button', { name: 'Set a countdown…' }).click();
    const form = director.getByTestId('countdown-form');
    await form.getByLabel('Name').fill('Minuit');
    // datetime-local is to the minute: the next minute but one, in the page's local time.
    const target = await director.evaluate(() => {
      const t = new Date(Date.now() + 120_000);
      t.setSeconds(0, 0);
      const local = new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      return { at: t.getTime(), local };
    });
    await form.getByLabel('At').fill(target.local);
    await form.getByRole('button', { name: 'Set' }).click();
    await expect.poll(() => text(director, 'countdown'), { timeout: 5000 }).toMatch(/^Minuit in 0:0[0-2]:\d{2}$/);
    await expect.poll(() => text(camera, 'camera-countdown'), { timeout: 5000 }).toMatch(/^Minuit in 0:0[0-2]:\d{2}$/);
    expect(control.state?.countdown).toEqual({ at: target.at, label: 'Minuit' });
    // A camera page that joins later hears it at once.
    const late = await openCamera(browser, (await addCameraSlot(director, 'Late')).link, { color: '#0000ff', toneHz: 440, width: 320, height: 180 });
    await expect.poll(() => text(late, 'camera-countdown'), { timeout: 10000 }).toMatch(/^Minuit in /);
    await late.context().close();
  });

  it('a countdown a year off is refused with the reason, and the one set stays', async () => {
    const ack = await control.ack('show:setCountdown', { at: '2099-12-31T23:00:00Z', label: 'Typo' });
    expect(ack.ok ? null : ack.error).toMatchObject({ code: 'invalid-payload', message: expect.stringMatching(/within a year/) });
    expect(control.state?.countdown?.label).toBe('Minuit');
  });

  it('Go live says it is starting, then the sign is ON AIR and the time on air runs', async () => {
    const goLive = await recordText(director, 'go-live');
    await director.getByTestId('go-live').click();
    await expect.poll(() => text(director, 'on-air-sign'), { timeout: 20000 }).toBe('ON AIR');
    expect(await goLive()).toContain('Starting…');
    const first = await text(director, 'time-on-air');
    expect(first).toMatch(/^0:00:\d{2}$/);
    await expect.poll(() => text(director, 'time-on-air'), { timeout: 3000 }).not.toBe(first);
    await control.until('the receiver live', () => control.state?.destinations?.[0]?.state === 'live', 30000);
  });

  it('a test of the server and key a live destination streams to is refused: it would knock that stream off', async () => {
    const draft = { name: 'Same place', protocol: 'rtmp', url: nginx.url(false), streamKey: 'show-state' };
    await expect(control.request('destination:test', { draft })).rejects.toThrow(/a running destination streams to this server and key/);
    expect(control.state?.destinations?.[0]?.state).toBe('live');
  });

  it('End live asks first; "Keep live" keeps it; confirmed, the show is off air', async () => {
    await director.getByTestId('end-live').click();
    const confirm = director.getByTestId('end-live-confirm');
    await confirm.waitFor({ timeout: 3000 });
    await confirm.getByRole('button', { name: 'Keep live' }).click();
    expect(await confirm.count()).toBe(0);
    expect(await text(director, 'on-air-sign')).toBe('ON AIR');
    expect(control.state?.destinations?.[0]?.state).toBe('live');
    await director.getByTestId('end-live').click();
    await director.getByTestId('end-live-confirm').getByRole('button', { name: 'End live now' }).click();
    await expect.poll(() => text(director, 'on-air-sign'), { timeout: 10000 }).toBe('OFF AIR');
    expect(await director.getByTestId('time-on-air').count()).toBe(0);
  });

  it('a phone on air asks before it stops sending; "Keep sending" keeps it on air', async () => {
    await director.keyboard.press('1');
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await camera.waitForSelector('[data-testid="camera-page"][data-tally="program"]', { timeout: 5000 });
    await camera.getByTestId('stop-streaming').click();
    const confirm = camera.getByTestId('stop-confirm');
    await confirm.waitFor({ timeout: 3000 });
    await confirm.getByRole('button', { name: 'Keep sending' }).click();
    expect(await camera.getByTestId('stop-streaming').count()).toBe(1);
    await waitForProgramColour(director, 'red', 2000); // still on air
    await camera.getByTestId('stop-streaming').click();
    await camera.getByTestId('stop-confirm').getByRole('button', { name: 'Stop (on air!)' }).click();
    await camera.getByTestId('start-streaming').waitFor({ timeout: 5000 });
  });
});

describe('destination forms that help', () => {
  it('a preset fills the platform\'s ingest URL; each field says what is wrong as it is typed; a missing key is asked for; nothing is sent until it is right', async () => {
    const before = control.state?.destinations?.length ?? 0;
    const panel = director.getByLabel('Destinations');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    const form = panel.locator('form.destination-form');
    await form.getByTestId('destination-preset').selectOption('youtube');
    expect(await form.getByLabel('Server URL').inputValue()).toBe('rtmps://a.rtmps.youtube.com:443/live2');
    expect(await form.getByLabel('Name').inputValue()).toBe('YouTube');
    expect(await form.getByTestId('preset-hint').textContent()).toMatch(/YouTube Studio/);

    // Saved without a key: the key field asks for one, next to it; nothing reaches the server.
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByTestId('field-error-streamKey').waitFor({ timeout: 3000 });
    expect(await form.getByTestId('field-error-streamKey').textContent()).toMatch(/paste the stream key/);
    expect(control.state?.destinations?.length ?? 0).toBe(before);

    // A URL of the wrong protocol is said wrong as it is typed.
    await form.getByLabel('Server URL').fill('http://example.com/live');
    await form.getByTestId('field-error-url').waitFor({ timeout: 3000 });
    expect(await form.getByTestId('field-error-url').textContent()).toMatch(/must start with the protocol chosen/);

    // Right: our own receiver, which needs no key — said so on purpose.
    await form.locator('label[data-field="protocol"] select').selectOption('rtmp');
    await form.getByLabel('Server URL').fill(nginx.url(false));
    await form.getByLabel('No key (this server needs none)').check();
    expect(await form.getByTestId('field-error-url').count()).toBe(0);
    await form.getByRole('button', { name: 'Save' }).click();
    await control.until('the destination added', () => (control.state?.destinations?.length ?? 0) === before + 1, 5000);
    expect(control.state!.destinations!.at(-1)).toMatchObject({ name: 'YouTube', protocol: 'rtmp', hasStreamKey: false });
  });
});

describe('a destination tested before going live', () => {
  it('Test sends a few seconds to the server: accepted by a good one; a refused key and an unknown host are named', async () => {
    const add = async (name: string, url: string, streamKey: string) =>
      (await control.request<{ destinationId: string }>('destination:add', { name, protocol: 'rtmp', url, streamKey, enabled: false })).destinationId;
    const cases = [
      { id: await add('Good key', nginx.url(false), 'pre-flight'), accepted: 'yes', text: /^Test: accepted: the server took \d+ KiB of a test stream$/ },
      { id: await add('Wrong key', nginx.url(false), REJECTED_KEY), accepted: 'no', text: /^Test failed: .*(stream key|refused)/ },
      { id: await add('Typo host', 'rtmp://no-such-host.invalid/live2', 'whatever'), accepted: 'no', text: /^Test failed: unknown host/ },
    ];
    for (const c of cases) {
      const row = director.locator(`[data-testid="destination"][data-destination-id="${c.id}"]`);
      await row.getByTestId('destination-test-button').click();
      const result = row.getByTestId('destination-test');
      await result.waitFor({ timeout: 30000 });
      console.log(`test of "${await row.locator('strong').textContent()}": ${await result.textContent()}`);
      expect(await result.getAttribute('data-accepted')).toBe(c.accepted);
      expect(await result.textContent()).toMatch(c.text);
    }
    // A test leaves nothing running and changes no destination's state.
    for (const c of cases) expect(control.state?.destinations?.find((d) => d.id === c.id)?.state).toBe('idle');
  });

  it('settings are tested before they are saved: the add form\'s Test names a refused key, then accepts the right one; nothing is saved', async () => {
    const before = control.state?.destinations?.length ?? 0;
    const panel = director.getByLabel('Destinations');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    const form = panel.locator('form.destination-form');
    await form.getByTestId('destination-preset').selectOption('custom');
    await form.getByLabel('Name').fill('Draft');
    await form.getByLabel('Server URL').fill(nginx.url(false));
    await form.getByLabel('Stream key').fill(REJECTED_KEY);
    await form.getByTestId('draft-test-button').click();
    const result = form.getByTestId('draft-test');
    await result.waitFor({ timeout: 30000 });
    expect(await result.getAttribute('data-accepted')).toBe('no');
    expect(await result.textContent()).toMatch(/^Test failed: .*(stream key|refused)/);
    // New settings: the old result goes at once (it says nothing of them), and the new ones are accepted.
    await form.getByLabel('Stream key').fill('draft-key');
    expect(await result.count()).toBe(0);
    await form.getByTestId('draft-test-button').click();
    await result.waitFor({ timeout: 30000 });
    expect(await result.textContent()).toMatch(/^Test: accepted/);
    expect(control.state?.destinations?.length ?? 0).toBe(before); // tested, not saved
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('the edit form tests its new settings with the saved key (never shown) on the same server, or a new one typed in', async () => {
    const wrongApp = nginx.url(false).replace(/\/live$/, '/no-such-app');
    const { destinationId } = await control.request<{ destinationId: string }>('destination:add',
      { name: 'Saved key', protocol: 'rtmp', url: wrongApp, streamKey: REJECTED_KEY, enabled: false });
    const row = director.locator(`[data-testid="destination"][data-destination-id="${destinationId}"]`);
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = row.locator('form.destination-form');
    const result = form.getByTestId('draft-test');
    // Another server with the key field empty: the saved key is not sent there.
    await form.getByLabel('Server URL').fill('rtmp://127.0.0.1:1/live');
    await form.getByTestId('draft-test-button').click();
    await result.waitFor({ timeout: 30000 });
    expect(await result.textContent()).toMatch(/saved stream key goes only to the server it was saved for/);
    // The path fixed on the same server, the key field left empty: the saved key is the one tested (the receiver refuses it).
    await form.getByLabel('Server URL').fill(nginx.url(false));
    await form.getByTestId('draft-test-button').click();
    await result.waitFor({ timeout: 30000 });
    expect(await result.textContent()).toMatch(/^Test failed: .*(stream key|refused)/);
    await form.getByLabel('Stream key').fill('a-new-key');
    await form.getByTestId('draft-test-button').click();
    await result.waitFor({ timeout: 30000 });
    expect(await result.textContent()).toMatch(/^Test: accepted/);
    // Not saved: the destination still has its old server until Save.
    expect(control.state?.destinations?.find((d) => d.id === destinationId)?.url).toBe(wrongApp);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });
});
