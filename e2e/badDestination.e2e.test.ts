// One bad destination never stops "Go live" for the others. Destinations written by an
// older version (or by hand) may hold URLs that cannot be used at all; they are listed
// first, so they start first. Go live: each of them says why it cannot start, and the
// valid destination after them goes live and its receiver gets the program.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NginxRtmp } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
const nginx = new NginxRtmp();
const KEY = 'after-the-bad-ones';
const dataDir = mkdtempSync(join(tmpdir(), 'regie-e2e-bad-'));

beforeAll(async () => {
  await nginx.start();
  // A first start makes the data dir and its database, with one valid destination.
  const first = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800' }, { dataDir });
  const firstControl = await Control.connect(first);
  expect((await firstControl.ack('destination:add', { name: 'Good', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY })).ok).toBe(true);
  firstControl.disconnect();
  await first.stop();
  // Rows no request could have made (every request is validated), ahead of the good one.
  const db = new Database(join(dataDir, 'regie.sqlite'));
  const insert = db.prepare('INSERT INTO destinations (id, position, name, protocol, url, stream_key, enabled) VALUES (?, ?, ?, ?, ?, ?, 1)');
  insert.run('badrtmp00001', -2, 'Not a URL', 'rtmp', 'hello', 'k');
  insert.run('badsrt000001', -1, 'Broken SRT', 'srt', 'srt://', null); // no host: ffmpeg starts, and refuses it
  db.close();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800' }, { dataDir });
  control = await Control.connect(server);
});

afterAll(async () => {
  control?.disconnect();
  await server?.stop();
  nginx.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Go live with destinations that cannot start', () => {
  it('each bad one says why; the valid one after them goes live and its receiver gets the program', async () => {
    const names = () => (control.state?.destinations ?? []).map((d) => d.name);
    expect(names()).toEqual(['Not a URL', 'Broken SRT', 'Good']);
    expect((await control.ack('show:goLive')).ok).toBe(true);
    const byName = (n: string) => control.state!.destinations!.find((d) => d.name === n)!;
    await control.until('the valid destination live', () => byName('Good').state === 'live', 30000);
    const viewer = nginx.viewer(KEY);
    try {
      await viewer.waitFor('slate', 20000, Date.now());
    } finally {
      viewer.stop();
    }
    const bads = ['Not a URL', 'Broken SRT'];
    await control.until('each bad one failed', () => bads.every((n) => byName(n).state === 'failed'), 30000);
    for (const bad of bads) {
      const d = byName(bad);
      console.log(`${bad}: ${d.state} — ${d.lastError}`);
      expect(d.errorKind).toBe('bad-url');
      expect(d.lastError).toMatch(/URL/); // 'cannot start: check its URL' / 'the destination URL is not valid'
    }
    expect(byName('Good').state).toBe('live');
  }, 90000);
});
