// The watch page's HTTP side on a real express server (127.0.0.1, an ephemeral port),
// with a stub show: what is served, with which headers, and what is refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEGMENT_NAME } from '../outputs/hls/HlsOutput.js';
import { watchRoutes } from './watchRoutes.js';

let base: string;
let close: () => void;
let root: string;
const TOKEN = 'abcdefghijklmnopqrstuvwx';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'regie-watch-'));
  const dir = join(root, '.regie', 'hls'); // a data folder with a dot in its path, as ~/.regie
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'program.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\nmq1x-0.ts\n');
  writeFileSync(join(dir, 'mq1x-0.ts'), Buffer.alloc(188 * 4, 0x47));
  writeFileSync(join(root, '.regie', 'regie.sqlite'), 'secret');
  const app = express();
  app.use(watchRoutes({
    state: (key) => (key === TOKEN ? { showName: 'Réveillon', state: 'on-air', playlist: `/hls/${TOKEN}/program.m3u8` } : undefined),
    hlsFile: (key, name) => (key === TOKEN && (name === 'program.m3u8' || SEGMENT_NAME.test(name)) ? { dir, name } : undefined),
  }));
  app.get('/studio', (_req, res) => res.send('studio'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => {
  close?.();
  rmSync(root, { recursive: true, force: true });
});

describe('the watch page over HTTP', () => {
  it('the state for a key that opens the show, briefly cacheable, open to any site', async () => {
    const res = await fetch(`${base}/watch/state?v=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ showName: 'Réveillon', state: 'on-air' });
    expect(res.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('a key that does not open it: refused, never cached; a malformed one: said so', async () => {
    const refused = await fetch(`${base}/watch/state?v=${'z'.repeat(24)}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/viewer link/);
    const bad = await fetch(`${base}/watch/state?v=${encodeURIComponent('<script>')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/not a viewer link/);
  });

  it('the playlist and a segment, from a data folder whose path has a dot, with the headers a CDN needs', async () => {
    const playlist = await fetch(`${base}/hls/${TOKEN}/program.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toMatch(/mpegurl/);
    expect(playlist.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
    const segment = await fetch(`${base}/hls/${TOKEN}/mq1x-0.ts`);
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await segment.arrayBuffer()).byteLength).toBe(188 * 4);
  });

  it('nothing else: no way up to the database, no file in progress, no other name; the studio stays same-origin', async () => {
    for (const file of ['..%2Fregie.sqlite', '..%2F..%2F.regie%2Fregie.sqlite', 'program.m3u8.tmp', 'mq1x-1.ts', 'index.html']) {
      const res = await fetch(`${base}/hls/${TOKEN}/${file}`);
      expect({ file, status: res.status }).toEqual({ file, status: 404 });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect((await fetch(`${base}/hls/not-a-key/program.m3u8`)).status).toBe(400);
    expect((await fetch(`${base}/studio`)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
