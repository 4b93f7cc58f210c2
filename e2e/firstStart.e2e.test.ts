// The very first start, as a new user sees it: no configuration at all. The server
// makes a director secret, prints the director link with it once, and that link opens
// the studio. The second start prints no secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newContext } from '../testkit/browser.js';
import { io } from 'socket.io-client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShowView } from '../shared/src/protocol.js';
import { startServer, type RegieServer } from '../testkit/server.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => { await browser?.close(); });

describe('first start', () => {
  let server: RegieServer;
  afterAll(async () => { await server?.stop(); });

  it('prints a director link with a new secret, and that link opens the studio', async () => {
    server = await startServer({ REGIE_DIRECTOR_SECRET: '' });
    const banner = server.output();
    const link = /Director:\s+(https:\/\/\S+\/studio#secret=(\S+))/.exec(banner);
    expect(link, banner).not.toBeNull();
    expect(banner).toMatch(/new director secret, saved in .*director-secret/);
    expect(banner).toContain('TLS:       self-signed certificate');
    const [, url, secret] = link!;
    // The secret is in the banner for the person at the terminal, never in a log line.
    expect(server.logLines().some((l) => JSON.stringify(l).includes(secret!))).toBe(false);
    const page = await (await newContext(browser)).newPage();
    await page.goto(url!);
    await page.locator('[data-testid="director-connection"]', { hasText: 'Connected' }).waitFor({ timeout: 15000 });
    expect(new URL(page.url()).hash).toBe(''); // taken out of the address bar
  });
});

describe('a wrong secret', () => {
  let server: RegieServer;
  afterAll(async () => { await server?.stop(); });

  it('sends the director back to the sign-in form with the reason', async () => {
    server = await startServer();
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/studio#secret=not-the-secret`);
    await page.getByRole('alert').waitFor({ timeout: 10000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/director secret is wrong/);
    await page.getByLabel('Director secret').fill(server.secret);
    await page.getByRole('button', { name: 'Open the studio' }).click();
    await page.locator('[data-testid="director-connection"]', { hasText: 'Connected' }).waitFor({ timeout: 15000 });
  });
});

describe('a restart', () => {
  it('keeps the camera slots, their links and the destinations (keys included, still unseen)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'regie-restart-'));
    const env = { REGIE_DIRECTOR_SECRET: 'restart-secret-123' };
    const stateOf = async (server: RegieServer, work?: (emit: (e: string, p: object) => Promise<unknown>) => Promise<void>) => {
      const socket = io(`${server.url}/director`, { auth: { secret: env.REGIE_DIRECTOR_SECRET }, transports: ['websocket'], rejectUnauthorized: false });
      let state = await new Promise<ShowView>((r) => socket.once('show:state', r));
      if (work) {
        await work((e, p) => socket.timeout(5000).emitWithAck(e, p));
        state = await new Promise<ShowView>((r) => socket.once('show:state', r));
      }
      socket.disconnect();
      return state;
    };
    const first = await startServer(env, { dataDir });
    const before = await stateOf(first, async (emit) => {
      await emit('slot:create', { name: 'Tower — north' });
      await emit('destination:add', { name: 'Twitch', protocol: 'rtmp', url: 'rtmp://127.0.0.1:1935/app', streamKey: 'live_kept_key_42' });
    });
    await first.stop();
    const second = await startServer(env, { dataDir });
    try {
      const after = await stateOf(second);
      expect(after.slots.map((s) => [s.id, s.name, s.inviteToken])).toEqual(before.slots.map((s) => [s.id, s.name, s.inviteToken]));
      expect(after.destinations).toMatchObject([{ name: 'Twitch', protocol: 'rtmp', hasStreamKey: true, state: 'idle' }]);
      expect(JSON.stringify(after)).not.toContain('live_kept_key_42');
    } finally {
      await second.stop();
    }
  });
});
