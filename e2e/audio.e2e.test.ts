// Audio the director can see and hear: each tile's meter follows its camera's mic (a
// tone, then flat with the mic off), the program meter follows what is on air on the
// broadcast scale, and the headphones play the program or one camera soloed. Real
// Chromium cameras with a tone each, the real server; levels are read from the page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addTwoCameras, openStudio, tile, waitForProgramColour, type StreamingCamera } from '../testkit/studio.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let cams: Record<'red' | 'blue', StreamingCamera>;

/** A full-scale tone reads near 0 dBFS; silence at the meter's floor (-60). */
const LOUD = -20;
const FLAT = -45;
const db = async (page: Page, selector: string) => Number(await page.locator(selector).first().getAttribute('data-db'));
const tileDb = (slotId: string) => db(director, `[data-slot-id="${slotId}"] [data-testid="tile-meter"]`);
const programDb = () => db(director, '[data-testid="program-meter"]');
const heardDb = () => db(director, '[data-testid="headphones-meter"]');
const setMic = async (cam: { page: Page }, on: boolean) => {
  const mic = cam.page.getByTestId('mic');
  if ((await mic.getAttribute('aria-pressed')) === String(on)) await mic.click(); // pressed = muted
};
// A peak meter falls 20 dB in 1.7 s: from a full-scale tone to flat takes about 4 s.
/**
 * Puts a camera on air as a director does: in preview, then a cut. These tests are about
 * sound: a cut the switcher abandoned (no keyframe within 5 s on a starved machine) is
 * tried again, as a director would, and said in the output with the studio's reason.
 */
async function cutTo(colour: 'red' | 'blue'): Promise<void> {
  const cam = cams[colour];
  for (let attempt = 1; ; attempt++) {
    // (A cut that was late but done is not undone by a second one.)
    if ((await tile(director, cam.slotId).getAttribute('data-bus')) !== 'program') {
      await director.keyboard.press(colour === 'red' ? '1' : '2');
      await director.waitForSelector(`[data-slot-id="${cam.slotId}"][data-bus="preview"]`, { timeout: 5000 });
      await director.keyboard.press('Space');
    }
    try {
      await waitForProgramColour(director, colour, 10000);
      return;
    } catch (err) {
      const said = await director.locator('[data-testid="cut-abandoned"], [data-testid="cut-pending"], [data-testid="fallback"]').allTextContents();
      if (attempt === 3) throw new Error(`${(err as Error).message}; the studio said: ${said.join(' / ') || 'nothing'}`);
      console.log(`cut to ${colour} not done (the studio said: ${said.join(' / ') || 'nothing'}); cutting again`);
    }
  }
}

const poll = (read: () => Promise<number>) => expect.poll(read, { timeout: 15000, interval: 100 });

/** Every value an attribute takes from now on (a short one is missed by polling). */
async function recordAttribute(page: Page, selector: string, name: string): Promise<() => Promise<string[]>> {
  const key = `${selector}|${name}`;
  await page.evaluate(([sel, attr, k]) => {
    const w = window as unknown as { __seen?: Record<string, string[]> };
    const seen: string[] = ((w.__seen ??= {})[k!] = []);
    const note = () => {
      const v = document.querySelector(sel!)?.getAttribute(attr!) ?? '(none)';
      if (seen.at(-1) !== v) seen.push(v);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, [selector, name, key]);
  return () => page.evaluate((k) => (window as unknown as { __seen: Record<string, string[]> }).__seen[k]!, key);
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  cams = await addTwoCameras(browser, director);
  await cutTo('red');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('audio you can see', () => {
  it('each tile\'s meter follows its camera: up with its tone, flat with the mic off, up again', async () => {
    await poll(() => tileDb(cams.red.slotId)).toBeGreaterThan(LOUD);
    await poll(() => tileDb(cams.blue.slotId)).toBeGreaterThan(LOUD);
    await setMic(cams.red, false);
    await poll(() => tileDb(cams.red.slotId)).toBeLessThan(FLAT);
    expect(await tileDb(cams.blue.slotId)).toBeGreaterThan(LOUD); // the other camera's meter is its own
    await setMic(cams.red, true);
    await poll(() => tileDb(cams.red.slotId)).toBeGreaterThan(LOUD);
  });

  it('the program meter reads what is on air, on a scale marked −18, −6 and 0 dBFS', async () => {
    const meter = director.getByTestId('program-meter');
    expect(await meter.locator('.meter-mark-label').allTextContents()).toEqual(['-18', '-6', '0']);
    await poll(programDb).toBeGreaterThan(LOUD);
    // The camera on air goes quiet: so does the program, while the other camera's tone goes on.
    await setMic(cams.red, false);
    await poll(programDb).toBeLessThan(FLAT);
    expect(await tileDb(cams.blue.slotId)).toBeGreaterThan(LOUD);
    // Cut to the other camera: its tone is the program's.
    await cutTo('blue');
    await poll(programDb).toBeGreaterThan(LOUD);
    await cutTo('red');
    await poll(programDb).toBeLessThan(FLAT);
    await setMic(cams.red, true);
    await poll(programDb).toBeGreaterThan(LOUD);
  });
});

describe('audio you can hear', () => {
  /** What the headphones' audio element plays: its source, and whether it really plays. */
  const headphones = () => director.evaluate(() => {
    const el = document.querySelector<HTMLAudioElement>('[data-testid="headphones-audio"]')!;
    const track = (el.srcObject as MediaStream | null)?.getAudioTracks()[0];
    return { playing: !el.paused && track?.readyState === 'live', time: el.currentTime, muted: el.muted, volume: el.volume };
  });
  const source = () => director.getByTestId('headphones').getAttribute('data-source');

  it('off until asked: a control room is not a loudspeaker', async () => {
    expect(await source()).toBe('off');
    expect((await headphones()).playing).toBe(false);
  });

  it('Listen plays the program in the headphones: the sound advances, its level is shown', async () => {
    await director.getByTestId('listen-program').click();
    expect(await source()).toBe('program');
    await expect.poll(async () => (await headphones()).playing, { timeout: 5000 }).toBe(true);
    const before = (await headphones()).time;
    await expect.poll(async () => (await headphones()).time, { timeout: 5000 }).toBeGreaterThan(before);
    const state = await headphones();
    expect(state.muted).toBe(false);
    expect(state.volume).toBeGreaterThan(0);
    await poll(heardDb).toBeGreaterThan(LOUD);
    // What is heard is the program: the camera on air goes quiet, so do the headphones.
    await setMic(cams.red, false);
    await poll(heardDb).toBeLessThan(FLAT);
  });

  it('a camera soloed replaces the program in the headphones; pressed again, the program is back', async () => {
    // Red (on air) is still muted: the program is silent, blue's tone is only heard soloed.
    // The slate in preview, so a solo click that leaked to the tile (a preview of blue) would show.
    await director.keyboard.press('0');
    await director.waitForSelector(`[data-slot-id="${cams.blue.slotId}"][data-bus="none"]`, { timeout: 5000 });
    const blueBuses = await recordAttribute(director, `[data-slot-id="${cams.blue.slotId}"][data-testid="camera-tile"]`, 'data-bus');
    await tile(director, cams.blue.slotId).getByTestId('tile-solo').click();
    expect(await source()).toBe(cams.blue.slotId);
    expect(await tile(director, cams.blue.slotId).getByTestId('tile-solo').getAttribute('aria-pressed')).toBe('true');
    expect(await director.getByTestId('end-solo').textContent()).toContain('Trocadéro');
    await poll(heardDb).toBeGreaterThan(LOUD);
    expect(await programDb()).toBeLessThan(FLAT); // the solo changes what the director hears, never the program
    expect(await director.locator('[data-testid="tile-solo"][aria-pressed="true"]').count()).toBe(1);
    // A solo click is not the tile's click: a cut sent after it puts the slate on air, not
    // blue, and blue was never in preview on the way.
    await director.keyboard.press('Space');
    await director.waitForSelector('[data-testid="program-monitor"][data-source-label="Slate"]', { timeout: 10000 });
    expect(await blueBuses()).toEqual(['none']);
    await cutTo('red');
    await poll(programDb).toBeLessThan(FLAT); // red, still muted, back on air
    await tile(director, cams.blue.slotId).getByTestId('tile-solo').click();
    expect(await source()).toBe('program');
    await poll(heardDb).toBeLessThan(FLAT);
    await setMic(cams.red, true);
    await poll(heardDb).toBeGreaterThan(LOUD);
  });

  it('L stops listening (and starts again)', async () => {
    await director.keyboard.press('l');
    await expect.poll(source).toBe('off');
    await expect.poll(async () => (await headphones()).playing).toBe(false);
    await director.keyboard.press('l');
    await expect.poll(source).toBe('program');
    await expect.poll(async () => (await headphones()).playing, { timeout: 5000 }).toBe(true);
  });
});
