// A crash of the server is a short gap, not the end of the show. Régie runs as `npm
// start` runs it (supervised), live to three real receivers with a camera on air; the
// server is killed with SIGKILL. Nobody touches the studio: the supervisor starts it
// again, the show resumes (the destinations that were live, the recording, the camera
// that was on air once it has rejoined), and every receiver shows that camera again.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { descendants } from '../testkit/processTree.js';
import { NginxRtmp, SrtListener } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let control: Control;
const nginx = new NginxRtmp();
const nginxTls = new NginxRtmp();
const srt = new SrtListener();
const KEYS = { rtmp: 'crash-key-rtmp', rtmps: 'crash-key-rtmps' };
let viewers: Record<'rtmp' | 'rtmps' | 'srt', ColourViewer>;
let slotId: string;

const state = () => control.state;
const request = <T = unknown>(event: string, payload: object = {}) => control.request<T>(event, payload);
const until = (what: string, pred: () => boolean, timeoutMs: number) => control.until(what, pred, timeoutMs);

/** The colour the program is now, as the receivers should show it. */
const programColour = () => (state()?.program?.program === slotId ? 'red' : state()?.program?.program === 'slate' ? 'slate' : undefined);

/**
 * Every receiver shows the program (frames decoded after `since`). Usually the camera;
 * if it stalled on this busy machine the slate covered it by itself (and the studio
 * says so), and the receivers must show that.
 */
async function receiversFollowProgram(since: number, timeoutMs: number): Promise<Record<string, number>> {
  const at: Record<string, number> = {};
  await until('every receiver shows the program', () => {
    for (const [name, v] of Object.entries(viewers)) if (!at[name] && programColour() && v.currentSince(since) === programColour()) at[name] = Date.now() - since;
    return Object.keys(at).length === 3;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; receivers: ${Object.entries(viewers).map(([n, v]) => `${n} ${v.seen.at(-1)?.colour}@${(v.seen.at(-1)?.at ?? 0) - since}ms`).join(', ')}`);
  });
  if (programColour() === 'slate') console.log(`note: the slate was on air by itself (${state()?.program?.fallback?.reason})`);
  return at;
}

const allLive = () => (state()?.destinations?.length ?? 0) === 3 && state()!.destinations!.every((d) => d.state === 'live');
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  await nginx.start();
  await nginxTls.start();
  await srt.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1200' }, { supervised: true });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  ({ slotId } = await addCameraSlot(director, 'Tower — north').then(async (slot) => {
    const page = await openCamera(browser, slot.link, { color: '#ff0000', toneHz: 1000, width: 640, height: 360 });
    await startStreaming(page);
    return slot;
  }));
  await waitForTileColour(director, slotId, 'red', 20000);
  control = await Control.connect(server);
});

afterAll(async () => {
  control?.disconnect();
  for (const v of Object.values(viewers ?? {})) v.stop();
  await browser?.close();
  await server?.stop();
  nginx.stop();
  nginxTls.stop();
  srt.stop();
});

describe('the server is killed in the middle of a live show', () => {
  it('on air: a camera live to RTMP, RTMPS and SRT receivers, a lower third on the program', async () => {
    await director.keyboard.press('1');
    await director.keyboard.press('Space');
    await waitForProgramColour(director, 'red', 10000);
    await request('destination:add', { name: 'YouTube (test)', protocol: 'rtmp', url: nginx.url(false), streamKey: KEYS.rtmp });
    await request('destination:add', { name: 'Facebook (test)', protocol: 'rtmps', url: nginxTls.url(true), streamKey: KEYS.rtmps });
    await request('destination:add', { name: 'SRT (test)', protocol: 'srt', url: srt.url() });
    await request('show:goLive');
    await until('every destination live', allLive, 30000);
    viewers = { rtmp: nginx.viewer(KEYS.rtmp), rtmps: nginxTls.viewer(KEYS.rtmps), get srt() { return srt.viewer!; } }; // the listener's viewer of its current session
    await receiversFollowProgram(Date.now(), 30000);
    // The lower third on the program: a restarted server must put it back.
    await request('graphics:text', { title: 'Tour Eiffel', subtitle: 'Paris', countdownEnd: 'Bonne année !' });
    await request('graphics:set', { name: 'lower-third', on: true, withNextShot: false });
  });

  it('SIGKILL: back by itself — the destinations live again, the camera back on air with its lower third, every receiver shows it; nothing of the old server is left', async () => {
    const oldPid = server.serverPid();
    const oldChildren = descendants(oldPid);
    expect(oldChildren.length).toBeGreaterThan(3); // workers, slate, encoder, remuxers
    const recordingsBefore = readdirSync(join(server.dataDir, 'recordings')).length;
    const runningBefore = server.output().split('Régie is running').length;

    process.kill(oldPid, 'SIGKILL');
    const killed = Date.now();
    await until('the server is running again', () => server.output().split('Régie is running').length > runningBefore, 30000);
    const serverBack = Date.now() - killed;
    expect(server.serverPid()).not.toBe(oldPid);
    // Children die with their server: none of the old ones is still there.
    expect(oldChildren.filter(alive)).toEqual([]);

    await until('every destination live again', allLive, 45000);
    const destinationsBack = Date.now() - killed;
    // The receivers' test players are attached to the sessions that ended: reload them,
    // as a viewer would, now that the platform has a stream again.
    viewers.rtmp.restart();
    viewers.rtmps.restart();
    const resumed = () => server.logLines().some((l) => l.msg === 'the camera that was on air before the restart is back; on air again');
    await until('the camera back on air by itself', resumed, 45000);
    const programBack = Date.now() - killed;
    const atReceivers = await receiversFollowProgram(killed, 45000);
    console.log(`SIGKILL of the server → running again ${serverBack} ms, destinations live ${destinationsBack} ms, camera on air ${programBack} ms, ` +
      `receivers show the camera: ${Object.entries(atReceivers).map(([n, t]) => `${n} ${t} ms`).join(', ')} (no click)`);

    // The graphics that were on the program are on it again, saying the same.
    expect(state()?.program?.graphics).toMatchObject({ onAir: ['lower-third'], text: { title: 'Tour Eiffel', subtitle: 'Paris' } });
    const band = nginx.viewer(KEYS.rtmp, { x: 0.35, y: 0.8, w: 0.25, h: 0.04 }); // (inside the lower third's box)
    const navy = (rgb: [number, number, number]) => rgb[2] > 50 && rgb[2] > rgb[0] + 20 && rgb[0] < 90;
    try {
      await until('the lower third back at the receiver', () => band.seen.some((f) => navy(f.rgb)), 20000);
    } finally {
      band.stop();
    }

    // The recording goes on, in a new file of the same show.
    expect(state()?.recording).toBeDefined();
    expect(readdirSync(join(server.dataDir, 'recordings')).length).toBe(recordingsBefore + 1);
    // The studio page reconnected by itself and shows the program.
    await waitForProgramColour(director, programColour()!, 20000);
  });
});
