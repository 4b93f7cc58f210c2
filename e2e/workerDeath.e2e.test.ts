// Dead air is impossible, whatever mediasoup worker dies. Live to an RTMP and an SRT
// receiver; SIGKILL of the worker that hosts the program router (camera on air), of the
// one that hosts the slate (slate on air), and of the camera's: each time the program
// is back on a source by itself — the camera if it lives, else the slate — on the
// program monitor within 2 s, and at the receivers, and no destination is called live
// while it gets nothing. And a slate whose ffmpeg hangs without exiting: the program
// mixer holds its last picture, and a new slate is made by itself.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testkit/browser.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { NginxRtmp, SrtListener } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from '../testkit/studio.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let control: Control;
const nginx = new NginxRtmp();
const srt = new SrtListener();
const KEY = 'worker-death-key';
let viewers: Record<'rtmp' | 'srt', ColourViewer>;
let slotId: string;

const state = () => control.state;
const request = <T = unknown>(event: string, payload: object = {}) => control.request<T>(event, payload);
const until = (what: string, pred: () => boolean, timeoutMs: number) => control.until(what, pred, timeoutMs);

/** The pid of the mediasoup worker that hosts this router now (from the server's own log). */
function workerOf(routerId: string): number {
  const line = server.logLines().filter((l) => l.msg === 'mediasoup worker started' && l.routerId === routerId).at(-1);
  if (!line) throw new Error(`no worker hosts router ${routerId}`);
  return line.pid as number;
}

const slateRouter = () => server.logLines().filter((l) => l.msg === 'slate ready').at(-1)!.routerId as string;
const liveNames = () => (state()?.destinations ?? []).filter((d) => d.state === 'live').map((d) => d.name).sort();

/**
 * Every receiver shows `colour` in frames decoded after `since` and after the program
 * encoder last started (frames still in the pipeline from before the fault do not
 * count); returns how long each took from `since`.
 */
async function receiversShow(colour: 'red' | 'slate', since: number, timeoutMs: number): Promise<string> {
  const took: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (const [name, v] of Object.entries(viewers)) {
    if (Date.now() - (v.seen.at(-1)?.at ?? 0) > 3000) v.restart(); // a player stuck on an ended session reloads
    for (;;) {
      const encoderStarted = server.logLines().filter((l) => l.msg === 'program encoder running').at(-1)?.time as number;
      const from = Math.max(since, encoderStarted ?? 0);
      if (v.currentSince(from) === colour) break;
      if (Date.now() > deadline) {
        throw new Error(`${name} receiver did not show ${colour} after ${from - since} ms past the fault within ${timeoutMs} ms; it last showed ${v.seen.at(-1)?.colour} ${Date.now() - (v.seen.at(-1)?.at ?? 0)} ms ago`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    took.push(`${name} ${Date.now() - since} ms`);
  }
  return took.join(', ');
}

beforeAll(async () => {
  await nginx.start();
  await srt.start();
  // No automatic return: a camera republished in 0.1 s would be back on air before the
  // receivers could show the slate that covered it, and these tests watch the slate there.
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1200', REGIE_WORKERS: '2', REGIE_AUTO_RETURN_MS: '0' });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  const slot = await addCameraSlot(director, 'Tower — north');
  slotId = slot.slotId;
  await startStreaming(await openCamera(browser, slot.link, { color: '#ff0000', toneHz: 1000, width: 640, height: 360 }));
  await waitForTileColour(director, slotId, 'red', 20000);
  control = await Control.connect(server);
  await request('destination:add', { name: 'RTMP', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY });
  await request('destination:add', { name: 'SRT', protocol: 'srt', url: srt.url() });
  await request('show:goLive');
  await until('both destinations live', () => liveNames().length === 2, 30000);
  viewers = { rtmp: nginx.viewer(KEY), get srt() { return srt.viewer!; } }; // the listener's viewer of its current session
});

afterAll(async () => {
  control?.disconnect();
  for (const v of Object.values(viewers ?? {})) v.stop();
  await browser?.close();
  await server?.stop();
  nginx.stop();
  srt.stop();
});

async function putOnAir(key: '1' | '0', colour: 'red' | 'slate'): Promise<void> {
  await director.keyboard.press(key);
  await director.keyboard.press('Space');
  await waitForProgramColour(director, colour, 10000);
  await receiversShow(colour, Date.now(), 30000);
}

describe('a mediasoup worker dies in the middle of a live show', () => {
  it('the program router\'s worker, camera on air: the program is back on a source by itself within 2 s — the camera if it lives, else the slate — and at the receivers', async () => {
    await putOnAir('1', 'red');
    const routerId = state()!.program!.video.routerId;
    // The workers share out the program, the slate and the cameras as they come: when the
    // camera happens to be on the same worker, it dies too, and the slate must cover.
    const cameraDiesToo = state()!.slots.find((s) => s.id === slotId)!.video!.routerId === routerId;
    const expected = cameraDiesToo ? 'slate' : 'red';
    const pid = workerOf(routerId);
    process.kill(pid, 'SIGKILL');
    const killed = Date.now();
    await until('the program rebuilt on another router', () => state()?.program?.video.routerId !== undefined && state()!.program!.video.routerId !== routerId, 10000);
    const onMonitor = await waitForProgramColour(director, expected, 10000).then(() => Date.now() - killed);
    const atReceivers = await receiversShow(expected, killed, 30000);
    console.log(`program router's worker killed (${cameraDiesToo ? 'the camera was on it too' : 'the camera on another worker'}) → ${expected} on the program monitor after ${onMonitor} ms; receivers: ${atReceivers}`);
    expect(onMonitor).toBeLessThan(2000 + 1500); // 2 s at the SFU, plus the monitor's own WebRTC path
    await until('both destinations live again', () => liveNames().length === 2, 30000);
  });

  it('the slate\'s worker, slate on air: the slate is back by itself, and at the receivers', async () => {
    await putOnAir('0', 'slate');
    const routerId = slateRouter();
    process.kill(workerOf(routerId), 'SIGKILL');
    const killed = Date.now();
    await until('the slate made anew', () => slateRouter() !== routerId, 10000);
    const slateBack = Date.now() - killed;
    const atReceivers = await receiversShow('slate', killed, 30000);
    console.log(`slate's worker killed → slate ready again after ${slateBack} ms; receivers show it again: ${atReceivers}`);
    expect(server.logLines().filter((l) => l.msg === 'program encoder stopped; restarting it' && (l.time as number) > killed && /no encoded output/.test(String(l.reason)))).toEqual([]);
    await until('both destinations live again', () => liveNames().length === 2, 30000);
  });

  it('the slate\'s ffmpeg hangs, slate on air: the mixer holds its last picture (no gap, no alarm), the slate is made anew by itself', async () => {
    await putOnAir('0', 'slate');
    const ready = () => server.logLines().filter((l) => l.msg === 'slate ready').at(-1)!;
    const hung = ready().pid as number;
    process.kill(hung, 'SIGSTOP'); // alive, sending nothing: no exit for anyone to notice
    const stopped = Date.now();
    let alarm: string | undefined;
    try {
      await until('a new slate', () => {
        alarm ??= state()?.program?.alarm;
        return ready().pid !== hung;
      }, 15000);
      const slateBack = Date.now() - stopped;
      // Frames of the new slate: decoded after it was ready (the hung one's look the same).
      const atReceivers = await receiversShow('slate', ready().time as number, 30000);
      console.log(`slate's ffmpeg stopped → new slate after ${slateBack} ms; receivers: ${atReceivers}`);
      expect(alarm, 'the program kept a picture').toBeUndefined();
      await until('both destinations live again', () => liveNames().length === 2, 30000);
    } finally {
      // Only if the restart did not already kill it (its pid may have been reused since).
      if (ready().pid === hung) process.kill(hung, 'SIGCONT');
    }
  });

  it('the camera\'s worker, camera on air: the slate covers within 2 s, and the camera comes back', async () => {
    await putOnAir('1', 'red');
    const routerId = state()!.slots.find((s) => s.id === slotId)!.video!.routerId;
    process.kill(workerOf(routerId), 'SIGKILL');
    const killed = Date.now();
    await waitForProgramColour(director, 'slate', 10000);
    const slateOnMonitor = Date.now() - killed;
    const atReceivers = await receiversShow('slate', killed, 30000);
    console.log(`camera's worker killed → slate on the program monitor after ${slateOnMonitor} ms; receivers: ${atReceivers}`);
    expect(slateOnMonitor).toBeLessThan(2000 + 1500);
    // The page publishes again on a live worker; the director is told it is back.
    await until('the camera back', () => Boolean(state()?.program?.fallback?.backAt), 30000);
    await until('both destinations live', () => liveNames().length === 2, 30000);
  });
});
