// Real Chromium (Debian's), driven by playwright-core. Camera pages get a fake
// camera with distinct content: a solid colour with a small moving square (so the
// encoder always has motion) and a tone, drawn on a canvas in the page.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { drawClock } from './frameClock.js';

export const CHROMIUM = process.env.REGIE_CHROMIUM ?? '/usr/bin/chromium';

export const ARGS = [
  '--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  // In a loopback-only namespace host candidates must be real addresses, not mDNS names.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
];

/**
 * `nice`: run at the lowest CPU priority. The bench's camera browsers stand in for
 * phones (other machines in a real show): on a small test machine they must not take
 * the CPU from the studio being measured.
 */
export async function launchBrowser(opts: { nice?: boolean } = {}): Promise<Browser> {
  let executablePath = CHROMIUM;
  if (opts.nice) {
    const dir = mkdtempSync(join(tmpdir(), 'regie-nice-chromium-'));
    executablePath = join(dir, 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec nice -n 19 ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}

/**
 * A browser in its own process tree that a test can freeze (SIGSTOP) and thaw, as a
 * phone that drops off the network without closing anything.
 */
export async function launchFreezableBrowser(): Promise<{ browser: Browser; freeze: () => void; thaw: () => void; close: () => Promise<void> }> {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const browser = await chromium.connect(server.wsEndpoint());
  const tree = () => {
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    const pids = new Set([server.process().pid!]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of rows) if (pids.has(ppid!) && !pids.has(pid!)) { pids.add(pid!); grew = true; }
    }
    return [...pids];
  };
  const signal = (sig: NodeJS.Signals) => { for (const pid of tree()) try { process.kill(pid, sig); } catch { /* gone */ } };
  return {
    browser,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    close: async () => { signal('SIGCONT'); await browser.close().catch(() => undefined); await server.close(); },
  };
}

/**
 * `frontColor`: what the front (selfie) camera shows, where it differs from the back one.
 * `clock`: draw the capture time into every frame (frameClock.ts).
 */
export type FakeCamera = { color: string; toneHz: number; width?: number; height?: number; frontColor?: string; clock?: boolean };

/** Replaces getUserMedia in the page with a canvas camera of the given colour. */
function fakeCameraScript({ color, toneHz, width = 1280, height = 720, frontColor, clock }: FakeCamera): string {
  return `(() => {
    const drawClock = ${clock ? drawClock.toString() : 'null'};
    const gum = async (constraints) => {
      const facing = constraints && constraints.video && constraints.video.facingMode;
      const wantsFront = facing === 'user' || (facing && facing.ideal === 'user') || (facing && facing.exact === 'user');
      const colour = wantsFront && ${JSON.stringify(frontColor ?? null)} ? ${JSON.stringify(frontColor ?? '')} : ${JSON.stringify(color)};
      const canvas = document.createElement('canvas');
      canvas.width = ${width}; canvas.height = ${height};
      const ctx = canvas.getContext('2d');
      let n = 0;
      const draw = () => {
        ctx.fillStyle = colour;
        ctx.fillRect(0, 0, ${width}, ${height});
        ctx.fillStyle = '#808080';
        ctx.fillRect((n++ * 8) % (${width} - 80), 20, 60, 60);
        if (drawClock) drawClock(ctx, ${width}, ${height}, Date.now());
      };
      draw();
      setInterval(draw, 33);
      const stream = canvas.captureStream(30);
      if (constraints && constraints.audio) {
        const ac = new AudioContext();
        const osc = ac.createOscillator();
        osc.frequency.value = ${toneHz};
        const dest = ac.createMediaStreamDestination();
        osc.connect(dest);
        osc.start();
        stream.addTrack(dest.stream.getAudioTracks()[0]);
      }
      return stream;
    };
    Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: gum });
  })();`;
}

export async function newContext(browser: Browser, camera?: FakeCamera): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  if (camera) await context.addInitScript(fakeCameraScript(camera));
  return context;
}

export async function openCamera(browser: Browser, url: string, camera: FakeCamera): Promise<Page> {
  const context = await newContext(browser, camera);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** The centre pixel of a video element in the page, or null before a frame arrived. */
export async function videoColor(page: Page, videoSelector: string): Promise<[number, number, number] | null> {
  return page.evaluate((selector) => {
    const video = document.querySelector<HTMLVideoElement>(selector);
    if (!video || video.videoWidth === 0 || video.readyState < 2) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    const d = ctx.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, videoSelector);
}

/** The centre pixel of a tile's video in the director page. */
export const tileColor = (director: Page, slotId: string) => videoColor(director, `[data-slot-id="${slotId}"] video`);

export type Colour = 'red' | 'blue' | 'green' | 'slate' | 'other';
export function classify(rgb: [number, number, number] | null): Colour | null {
  if (!rgb) return null;
  const [r, g, b] = rgb;
  if (r > 150 && g < 90 && b < 90) return 'red';
  if (b > 150 && r < 90 && g < 90) return 'blue';
  if (g > 150 && r < 90 && b < 90) return 'green';
  // The built-in slate is dark grey-blue (centre band #2a2f3a, whole-frame average
  // #1b1f25, shifted a little by each encode); black (a player with no picture) is not it.
  const hi = Math.max(r, g, b);
  if (hi >= 20 && hi <= 85 && hi - Math.min(r, g, b) <= 25) return 'slate';
  return 'other';
}
