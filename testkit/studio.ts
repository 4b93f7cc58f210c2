// What a director does in the studio page, as steps a test can read like a show.
import type { Browser, Page } from 'playwright-core';
import { newContext } from './browser.js';
import { classify, videoColor, type Colour } from './colour.js';
import { openCamera } from './fakeCamera.js';

export async function openStudio(browser: Browser, url: string, secret: string): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  // What the page's multiview says goes to the test's output: a monitor that stays
  // frozen is explained there.
  page.on('console', (m) => { if (m.text().startsWith('multiview')) console.log(`[studio page] ${m.text()}`); });
  await page.goto(`${url}/studio#secret=${encodeURIComponent(secret)}`);
  await page.locator('[data-testid="director-connection"]', { hasText: 'Connected' }).waitFor({ timeout: 15000 });
  return page;
}

/** Adds a camera slot through the UI; returns its id and invite link. */
export async function addCameraSlot(director: Page, name: string, timeoutMs = 5000): Promise<{ slotId: string; link: string }> {
  const before = await director.locator('[data-testid="slot-item"]').count();
  await director.getByLabel('New camera name').fill(name);
  await director.getByRole('button', { name: 'Add camera' }).click();
  const item = director.locator('[data-testid="slot-item"]').nth(before);
  await item.waitFor({ timeout: timeoutMs });
  const slotId = (await item.getAttribute('data-slot-id'))!;
  const link = await item.locator('[data-testid="invite-link"]').inputValue();
  return { slotId, link };
}

export const tile = (director: Page, slotId: string) => director.locator(`[data-testid="camera-tile"][data-slot-id="${slotId}"]`);

/** Waits until the tile has the state; returns how long it took. */
export async function waitForTileState(director: Page, slotId: string, state: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await director.waitForSelector(`[data-testid="camera-tile"][data-slot-id="${slotId}"][data-state="${state}"]`, { timeout: timeoutMs });
  return Date.now() - start;
}

/** The centre pixel of a tile's video in the director page. */
export const tileColor = (director: Page, slotId: string) => videoColor(director, `[data-slot-id="${slotId}"] video`);

/** Waits until the tile's video shows the colour (decoded pixels, not a label). */
export async function waitForTileColour(director: Page, slotId: string, colour: Colour, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Colour | null = null;
  while (Date.now() < deadline) {
    last = classify(await tileColor(director, slotId));
    if (last === colour) return;
    await director.waitForTimeout(200);
  }
  throw new Error(`tile ${slotId} did not show ${colour} within ${timeoutMs} ms (last seen: ${last ?? 'no video'})`);
}

export async function startStreaming(camera: Page): Promise<void> {
  const button = camera.getByTestId('start-streaming');
  await button.waitFor({ timeout: 15000 });
  await camera.waitForSelector('[data-testid="start-streaming"]:not([disabled])', { timeout: 15000 });
  await button.click();
  await camera.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 20000 });
}

export type StreamingCamera = { slotId: string; link: string; page: Page };

/**
 * The two cameras many tests direct: red "Tower — north" with a 1 kHz tone and blue
 * "Trocadéro" with 440 Hz, each added through the studio and streaming; resolved once
 * both tiles show their colour.
 */
export async function addTwoCameras(browser: Browser, director: Page): Promise<Record<'red' | 'blue', StreamingCamera>> {
  const cams = {} as Record<'red' | 'blue', StreamingCamera>;
  for (const [colour, name, hex, hz] of [['red', 'Tower — north', '#ff0000', 1000], ['blue', 'Trocadéro', '#0000ff', 440]] as const) {
    const slot = await addCameraSlot(director, name);
    const page = await openCamera(browser, slot.link, { color: hex, toneHz: hz });
    await startStreaming(page);
    cams[colour] = { ...slot, page };
  }
  await waitForTileColour(director, cams.red.slotId, 'red', 20000);
  await waitForTileColour(director, cams.blue.slotId, 'blue', 20000);
  return cams;
}

/**
 * Records every state a tile goes through (data-state and whether it has video),
 * so a test sees a short drop that polling would miss.
 */
export async function recordTileHistory(director: Page, slotId: string): Promise<() => Promise<string[]>> {
  await director.evaluate((id) => {
    const w = window as unknown as { __tileHistory?: Record<string, string[]> };
    w.__tileHistory ??= {};
    const history: string[] = (w.__tileHistory[id] = []);
    const el = document.querySelector(`[data-testid="camera-tile"][data-slot-id="${id}"]`)!;
    const note = () => history.push(`${el.getAttribute('data-state')}/${el.getAttribute('data-has-video')}`);
    note();
    new MutationObserver(note).observe(el, { attributes: true, attributeFilter: ['data-state', 'data-has-video'] });
  }, slotId);
  return () => director.evaluate((id) => (window as unknown as { __tileHistory: Record<string, string[]> }).__tileHistory[id], slotId);
}

/** Waits until the preview or program monitor shows the colour; returns how long it took. */
export async function waitForMonitorColour(director: Page, monitor: 'preview' | 'program', colour: Colour, timeoutMs: number): Promise<number> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  let last: Colour | null = null;
  while (Date.now() < deadline) {
    last = classify(await videoColor(director, `[data-testid="${monitor}-monitor"] video`));
    if (last === colour) return Date.now() - start;
    await director.waitForTimeout(50);
  }
  throw new Error(`the ${monitor} monitor did not show ${colour} within ${timeoutMs} ms (last seen: ${last ?? 'no video'})`);
}

/** Waits until the program monitor shows the colour; returns how long it took. */
export const waitForProgramColour = (director: Page, colour: Colour, timeoutMs: number): Promise<number> =>
  waitForMonitorColour(director, 'program', colour, timeoutMs);
