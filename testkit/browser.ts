// Real Chromium (Debian's), driven by playwright-core, with the flags a test needs:
// fake media devices allowed, WebRTC on loopback with real addresses, no throttling of
// pages in the background. Camera pages add a fake camera (fakeCamera.ts).
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { cpuGroup } from './cpuGroup.js';
import { descendants, signalAll, trees } from './processTree.js';

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
 * `apart`: a browser standing in for another machine — every browser of the bench: its
 * cameras (phones in a real show) and the director's laptop — must not take the CPU
 * from the studio being measured on a small test machine. It runs in a CPU group of its
 * own (cpuGroup.ts), every process and thread of it together weighing as one ordinary
 * process; where this process may not make one (not root), at nice 19.
 *
 * (Nice alone was not enough: run as root, Chromium raises its renderer, compositor and
 * audio threads to nice -8, and sets its browser and GPU processes to -8 and its
 * renderers back to 0 — seen during a bench run, a "nice 19" camera browser had no
 * process left at 19. Taking that right away with setpriv put every thread at 19, and
 * in the test suite's quick bench the cameras then starved: the slate stayed on air for
 * 15 s after a cut, and too few flashes reached the A/V reader.)
 */
export async function launchBrowser(opts: { apart?: boolean } = {}): Promise<Browser> {
  let executablePath = CHROMIUM;
  const group = opts.apart ? cpuGroup('browser') : undefined;
  if (opts.apart) {
    const dir = mkdtempSync(join(tmpdir(), 'regie-apart-chromium-'));
    executablePath = join(dir, 'chromium');
    const join_ = group ? `echo $$ > '${group.procs}'\n` : '';
    writeFileSync(executablePath, `#!/bin/sh\n${join_}exec ${group ? '' : 'nice -n 19 '}${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  // A mark on its command line finds this browser's processes again, for `close` below.
  const mark = `--regie-browser=${randomUUID()}`;
  const browser = await chromium.launch({ executablePath, headless: true, args: [...ARGS, mark] });
  const close = browser.close.bind(browser);
  // Playwright's close waits for Chromium to exit, without a limit. A browser starved of
  // CPU (apart, on a saturated machine) or wedged would hold the test or the bench
  // forever, its pages still sending: past the limit, its processes are killed.
  browser.close = async (options) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        signalAll(trees(descendants(process.pid, mark)));
        resolve();
      }, BROWSER_CLOSE_LIMIT_MS);
    });
    await Promise.race([close(options), limit]);
    clearTimeout(timer);
    group?.remove();
  };
  return browser;
}

const BROWSER_CLOSE_LIMIT_MS = 15000;

/**
 * A browser in its own process tree that a test can freeze (SIGSTOP) and thaw, as a
 * phone that drops off the network without closing anything.
 */
export async function launchFreezableBrowser(): Promise<{ browser: Browser; freeze: () => void; thaw: () => void; close: () => Promise<void> }> {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const browser = await chromium.connect(server.wsEndpoint());
  const tree = () => [server.process().pid!, ...descendants(server.process().pid!)];
  const signal = (sig: NodeJS.Signals) => signalAll(tree(), sig);
  return {
    browser,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    close: async () => { signal('SIGCONT'); await browser.close().catch(() => undefined); await server.close(); },
  };
}

/** A page context as the tests open pages: the server's self-signed certificate accepted. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
}
