// Signs that never lie about the show itself. Go live and End live pressed in any
// order, as fast as a nervous director can: the last one wins, with exactly the
// processes it implies. And a recording disk that fills up mid-show: the studio shows
// an alarm with the cause and the free space, while the destinations keep streaming.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import { NginxRtmp } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { openStudio } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let control: Control;
const nginx = new NginxRtmp();
const KEY = 'show-control-key';
// A recordings disk of 2 MiB: full after about 15 s of a 1 Mbit/s program.
const DISK_KIB = 2048;

const state = () => control.state;
const request = <T = unknown>(event: string, payload: object = {}) => control.ack<T>(event, payload);
const until = (what: string, pred: () => boolean, timeoutMs: number) => control.until(what, pred, timeoutMs);

const encoders = () => server.childPids('ffmpeg', '-f sdp');
/** Each destination's remux (RTMP: to FLV), not the watch page's HLS muxer (one of its own while live). */
const remuxers = () => server.childPids('ffmpeg', '-f flv');
const hlsMuxers = () => server.childPids('ffmpeg', '-f hls');

beforeAll(async () => {
  await nginx.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1000' }, { recordingsDiskKiB: DISK_KIB });
  control = await Control.connect(server);
  const added = await request('destination:add', { name: 'RTMP', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY });
  expect(added.ok).toBe(true);
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
});

afterAll(async () => {
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  nginx.stop();
});

describe('Go live and End live racing', () => {
  it('pressed in any order without waiting, the last one wins: End live leaves nothing running and says so', async () => {
    const presses = ['show:goLive', 'show:endLive', 'show:goLive', 'show:goLive', 'show:endLive', 'show:goLive', 'show:endLive', 'show:goLive', 'show:endLive'];
    for (let round = 0; round < 3; round++) {
      // Every answer back means every start it began has finished or been dropped.
      const answers = await Promise.all(presses.map((p) => request(p)));
      expect(answers.every((a) => a.ok)).toBe(true);
      await until('the show off air', () => state()?.encoding === false && !state()!.recording && state()!.destinations!.every((d) => d.state === 'stopped' || d.state === 'idle'), 10000);
      expect(await encoders()).toEqual([]);
      expect(await remuxers()).toEqual([]);
      // The HLS muxer writes its last segment and exits by itself once its input ends.
      await expect.poll(hlsMuxers, { timeout: 10000 }).toEqual([]);
    }
  }, 120000);

  it('ending with Go live: one encoder, the destination live, the recording on', async () => {
    const answers = await Promise.all(['show:endLive', 'show:goLive', 'show:endLive', 'show:goLive'].map((p) => request(p)));
    expect(answers.every((a) => a.ok)).toBe(true);
    await until('live', () => state()?.encoding === true && state()!.destinations![0]!.state === 'live' && Boolean(state()!.recording), 30000);
    expect(await encoders()).toHaveLength(1);
    expect(await remuxers()).toHaveLength(1);
    // One HLS muxer for the watch page (it starts with the program's first packets).
    await expect.poll(hlsMuxers, { timeout: 10000 }).toHaveLength(1);
  });
});

describe('a platform that takes the connection and never answers', () => {
  it('its destination leaves connecting with the cause, within 10 s, while the others stay live', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((socket) => { held.push(socket); }); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const added = await request<{ destinationId: string }>('destination:add', { name: 'Silent', protocol: 'rtmp', url: `rtmp://127.0.0.1:${port}/live`, streamKey: 'silent-key' });
      expect(added.ok).toBe(true);
      const id = added.ok ? added.data.destinationId : '';
      const silentOne = () => state()?.destinations?.find((d) => d.id === id);
      const left = await until('the silent destination leaves connecting', () => silentOne()?.state === 'reconnecting', 30000);
      console.log(`a server that never answers the handshake: connecting → reconnecting after ${left} ms ("${silentOne()?.lastError}")`);
      expect(silentOne()?.lastError).toBeTruthy();
      expect(state()!.destinations!.find((d) => d.name === 'RTMP')!.state).toBe('live');
      await request('destination:remove', { destinationId: id });
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  }, 60000);
});

describe('the recordings disk fills up mid-show', () => {
  it('the studio shows an alarm with the cause and the free space; the destination keeps streaming', async () => {
    const full = await until('the recording fails', () => Boolean(state()?.recording?.error), 90000);
    console.log(`recording disk of ${DISK_KIB} KiB full after ${full} ms: "${state()!.recording!.error}"`);
    expect(state()!.recording!.error).toMatch(/disk is full/);
    expect(state()!.recording!.error).toMatch(/MB free/);
    const alarm = director.getByTestId('recording-alarm');
    await alarm.waitFor({ timeout: 5000 });
    expect(await alarm.textContent()).toMatch(/disk is full/);
    // The show goes on: the destination stays live and its receiver keeps getting video.
    const viewer = nginx.viewer(KEY);
    try {
      const since = Date.now();
      await viewer.waitFor('slate', 20000, since);
      expect(state()!.destinations![0]!.state).toBe('live');
      expect(state()!.encoding).toBe(true);
    } finally {
      viewer.stop();
    }
  }, 120000);
});
