// On air to three real receivers at once — nginx-rtmp over RTMP, the same over RTMPS,
// and an SRT listener — from one encode. What they receive is decoded by ffmpeg and
// its colour read; receivers are killed, restarted and frozen under a live show.
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, DestinationView, ShowView } from '../shared/src/protocol.js';
import { launchBrowser } from '../testkit/browser.js';
import { classify, videoColor } from '../testkit/colour.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { NginxRtmp, REJECTED_KEY, SrtListener } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForProgramColour, waitForTileColour } from '../testkit/studio.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let control: Socket;
let state: ShowView;
// Two nginx instances, so that killing one receiver leaves the other destinations alone.
const nginx = new NginxRtmp();
const nginxTls = new NginxRtmp();
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

/**
 * The receiver shows what is on the program now. Usually the camera just cut to; if
 * that camera stalled on this busy machine, the slate covered it by itself (and the
 * studio said so) — the receivers must follow either way, so the program monitor is
 * read again at every look.
 */
/** The receiver's player shows what is on air, in frames decoded after `since`. */
async function waitForProgramAt(viewer: ColourViewer, timeoutMs: number, since = 0): Promise<void> {
  const start = Date.now();
  let reloaded = false;
  let onAir: string | null = null;
  while (Date.now() - start < timeoutMs) {
    onAir = classify(await videoColor(director, '[data-testid="program-monitor"] video'));
    if (onAir && viewer.current === onAir && viewer.currentSince(since) === onAir) {
      if (onAir === 'slate') console.log(`note: the slate was on air by itself (${state.program?.fallback?.reason})`);
      return;
    }
    if (!reloaded && Date.now() - start > timeoutMs / 2) {
      // A test player still attached to a session from before the fault: reload it.
      console.log(`note: the receiver's test player showed ${viewer.seen.at(-1)?.colour}; reloading it`);
      viewer.restart();
      reloaded = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const last = viewer.seen.at(-1);
  throw new Error(`receiver did not follow the program (${onAir}) within ${timeoutMs} ms (last: ${last?.colour} rgb(${last?.rgb.join(',')}))`);
}

async function cutTo(colour: 'red' | 'blue'): Promise<void> {
  await director.keyboard.press(colour === 'red' ? '1' : '2');
  await director.keyboard.press('Space');
  await waitForProgramColour(director, colour, 5000);
}

beforeAll(async () => {
  await nginx.start();
  await nginxTls.start();
  await srt.start();
  // A smaller output format than the 720p default keeps this 2-core test machine from
  // starving (three browsers, the encoder and three decoding viewers share it); the
  // receivers must get exactly the configured size.
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1200' });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  for (const [colour, hex, hz] of [['red', '#ff0000', 1000], ['blue', '#0000ff', 440]] as const) {
    const slot = await addCameraSlot(director, colour === 'red' ? 'Tower — north' : 'Trocadéro');
    const page = await openCamera(browser, slot.link, { color: hex, toneHz: hz, width: 640, height: 360 });
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
  nginxTls.stop();
  srt.stop();
});

describe('on air to three destinations', () => {
  it('the director adds RTMP, RTMPS and SRT destinations; keys are write-only', async () => {
    // One through the studio's form, as a director would…
    await director.getByRole('button', { name: 'Add destination' }).click();
    const form = director.locator('.destination-form');
    await form.getByLabel('Name').fill('YouTube (test)');
    await form.getByLabel('Server URL').fill(nginx.url(false));
    await form.getByLabel('Stream key').fill(KEYS.rtmp);
    await form.getByRole('button', { name: 'Save' }).click();
    const item = director.locator('[data-testid="destination"]', { hasText: 'YouTube (test)' });
    await item.waitFor({ timeout: 5000 });
    ids.rtmp = (await item.getAttribute('data-destination-id'))!;
    expect(await item.textContent()).toContain('key saved');
    expect(await director.content()).not.toContain(KEYS.rtmp); // gone from the page once saved
    // …and two through the same requests the studio makes.
    ids.rtmps = (await request<{ destinationId: string }>('destination:add', { name: 'Facebook (test)', protocol: 'rtmps', url: nginxTls.url(true), streamKey: KEYS.rtmps })).destinationId;
    ids.srt = (await request<{ destinationId: string }>('destination:add', { name: 'SRT (test)', protocol: 'srt', url: srt.url() })).destinationId;
    await waitForDestination(ids.srt, () => true, 3000);
    expect(destination(ids.rtmp)).toMatchObject({ hasStreamKey: true, state: 'idle' });
    expect(JSON.stringify(state)).not.toContain(KEYS.rtmp);
    expect(JSON.stringify(state)).not.toContain(KEYS.rtmps);
  });

  it('go live: all three destinations go live and their receivers show the program (the slate first)', async () => {
    await director.getByTestId('go-live').click();
    for (const id of Object.values(ids)) await waitForDestination(id, (d) => d.state === 'live', 20000);
    // The studio says so at a glance: every destination's badge reads live.
    await director.waitForFunction(() => [...document.querySelectorAll('[data-testid="destination"]')].every((e) => e.getAttribute('data-state') === 'live'), null, { timeout: 5000 });
    await director.getByTestId('recording').waitFor({ timeout: 5000 });
    viewers = { rtmp: nginx.viewer(KEYS.rtmp), rtmps: nginxTls.viewer(KEYS.rtmps), srt: srt.viewer! };
    for (const v of Object.values(viewers)) await v.waitFor('slate', 20000);
    expect(state.encoding).toBe(true);
  });

  it('while live, no process shows an RTMP(S) stream key in its command line, even to another user', async () => {
    // What any user of the machine can read: every process's argv, read as user nobody.
    const seenByNobody = execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'ps', '-eo', 'pid=,args='], { encoding: 'utf8' });
    // Régie's processes (the server and all it started); the test's own players pull by key, as viewers would.
    const regie = new Set([server.process.pid!, ...(await server.childPids())]);
    const lines = seenByNobody.split('\n').filter((l) => regie.has(Number(l.trim().split(/\s+/)[0])));
    expect(lines.filter((l) => l.includes('ffmpeg')).length).toBeGreaterThanOrEqual(3); // the remuxers are there, and readable…
    for (const key of Object.values(KEYS)) expect(lines.join('\n')).not.toContain(key); // …without the keys
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

describe('no single failure takes the show off the air', () => {
  // "Without a gap": the other destinations stay live, keep their sessions (no new
  // recording at their receivers, no reconnect), and frames keep arriving. The viewers
  // decode on a busy 2-core machine, so arrival jitter of a second or so is normal
  // (the baseline is printed); a lost session would be a gap of many seconds.
  const MAX_ARRIVAL_GAP_MS = 2000;
  const sessionsNow = () => ({ rtmp: nginx.recordings().length, rtmps: nginxTls.recordings().length, srt: srt.recordings().length });
  const reconnectsNow = () => Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, destination(id)?.reconnects]));

  it('a receiver is killed: the other two keep receiving without a gap; restarted, it is live again by itself', async () => {
    const baseline = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    for (const name of ['rtmps', 'srt'] as const) console.log(`${name} receiver: longest arrival gap in 3 s before anything happened: ${viewers[name].longestGapSince(baseline)} ms`);
    const before = { sessions: sessionsNow(), reconnects: reconnectsNow() };
    const killed = Date.now();
    nginx.kill();
    try {
      await waitForDestination(ids.rtmp, (d) => d.state === 'reconnecting', 5000);
      await new Promise((r) => setTimeout(r, 3000));
      for (const name of ['rtmps', 'srt'] as const) {
        const gap = viewers[name].longestGapSince(killed);
        console.log(`${name} receiver: longest arrival gap while rtmp was down: ${gap} ms`);
        expect(gap).toBeLessThan(MAX_ARRIVAL_GAP_MS);
        expect(destination(ids[name])?.state).toBe('live');
      }
      expect({ rtmps: sessionsNow().rtmps, srt: sessionsNow().srt }).toEqual({ rtmps: before.sessions.rtmps, srt: before.sessions.srt });
      expect({ rtmps: reconnectsNow().rtmps, srt: reconnectsNow().srt }).toEqual({ rtmps: before.reconnects.rtmps, srt: before.reconnects.srt });
    } finally {
      await nginx.start();
    }
    const back = Date.now();
    await waitForDestination(ids.rtmp, (d) => d.state === 'live', 40000);
    await waitForProgramAt(viewers.rtmp, 15000);
    console.log(`rtmp receiver restarted → destination live again after ${Date.now() - back} ms`);
    expect(destination(ids.rtmp)?.reconnects).toBe(1);
  });

  it('a receiver freezes (SIGSTOP): its destination leaves live within 10 s, the others are unaffected', async () => {
    const before = { sessions: sessionsNow(), reconnects: reconnectsNow() };
    const frozen = Date.now();
    nginxTls.freeze();
    try {
      const ms = await waitForDestination(ids.rtmps, (d) => d.state !== 'live', 10000);
      console.log(`rtmps receiver frozen → destination ${destination(ids.rtmps)?.state} after ${ms} ms: ${destination(ids.rtmps)?.lastError}`);
      for (const name of ['rtmp', 'srt'] as const) {
        const gap = viewers[name].longestGapSince(frozen);
        console.log(`${name} receiver: longest arrival gap while rtmps was frozen: ${gap} ms`);
        expect(gap).toBeLessThan(MAX_ARRIVAL_GAP_MS);
        expect(destination(ids[name])?.state).toBe('live');
      }
      expect({ rtmp: sessionsNow().rtmp, srt: sessionsNow().srt }).toEqual({ rtmp: before.sessions.rtmp, srt: before.sessions.srt });
      expect({ rtmp: reconnectsNow().rtmp, srt: reconnectsNow().srt }).toEqual({ rtmp: before.reconnects.rtmp, srt: before.reconnects.srt });
    } finally {
      nginxTls.thaw();
    }
    await waitForDestination(ids.rtmps, (d) => d.state === 'live', 40000);
    // Its viewers see the show again once they reload: a player that was frozen with the
    // server plays out what the old session left in the server's buffers, then waits on
    // that ended session (nginx's behaviour, not Régie's), so frames count from a reload.
    const reload = Date.now();
    viewers.rtmps.restart();
    await waitForProgramAt(viewers.rtmps, 20000, reload);
  });

  it('the on-air camera closes: every receiver shows the slate within 2 s, no session was closed', async () => {
    const before = { sessions: sessionsNow(), reconnects: reconnectsNow() };
    const gone = Date.now();
    await cams.blue.page.context().close();
    // The deadline allows for the viewers' own decode delay (measured by the cut above).
    for (const [name, v] of Object.entries(viewers)) {
      await v.waitFor('slate', 4000 - (Date.now() - gone));
      console.log(`on-air camera closed → ${name} receiver shows the slate after ${Date.now() - gone} ms (viewer delay included)`);
    }
    const onMonitor = await waitForProgramColour(director, 'slate', 2000);
    console.log(`on-air camera closed → slate on the program monitor within ${onMonitor} ms of the check`);
    expect(sessionsNow()).toEqual(before.sessions);
    expect(reconnectsNow()).toEqual(before.reconnects);
  });

  it('the encoder process dies: it restarts and no destination session is closed', async () => {
    const before = { sessions: sessionsNow(), reconnects: reconnectsNow() };
    const encoderPid = await server.childPids('ffmpeg', '-f sdp');
    expect(encoderPid).toHaveLength(1);
    process.kill(encoderPid[0]!, 'SIGKILL');
    await cutTo('red');
    for (const v of Object.values(viewers)) await waitForProgramAt(v, 25000);
    expect(sessionsNow()).toEqual(before.sessions);
    expect(reconnectsNow()).toEqual(before.reconnects);
    for (const id of Object.values(ids)) expect(destination(id)?.state).toBe('live');
    // At least the one we caused; on a starved machine the output watchdog may restart a
    // slow-starting encoder once more — that too must not close any session (checked above).
    const restarts = server.logLines().filter((l) => l.msg === 'program encoder stopped; restarting it');
    console.log(`encoder restarts: ${restarts.map((l) => l.reason).join(' / ')}`);
    expect(restarts.length).toBeGreaterThanOrEqual(1);
  });
});

describe('errors that retrying cannot fix are named at once', () => {
  it('an unknown host and a refused stream key each reach a named failed state', async () => {
    const bad = (await request<{ destinationId: string }>('destination:add', { name: 'Typo host', protocol: 'rtmp', url: 'rtmp://no-such-host.invalid/live2', streamKey: 'whatever-1' })).destinationId;
    const rejected = (await request<{ destinationId: string }>('destination:add', { name: 'Wrong key', protocol: 'rtmp', url: nginx.url(false), streamKey: REJECTED_KEY })).destinationId;
    await waitForDestination(bad, (d) => d.state === 'failed', 10000);
    await waitForDestination(rejected, (d) => d.state === 'failed', 15000);
    expect(destination(bad)).toMatchObject({ errorKind: 'unknown-host', lastError: expect.stringMatching(/unknown host/) });
    expect(destination(rejected)).toMatchObject({ errorKind: 'rejected', lastError: expect.stringMatching(/stream key/) });
    for (const id of Object.values(ids)) expect(destination(id)?.state).toBe('live');
    // "Retry now" does not wait out the (long, for a permanent error) backoff.
    const attempts = () => server.logLines().filter((l) => l.msg === 'destination link ended' && l.output === rejected).length;
    const before = attempts();
    await request('destination:start', { destinationId: rejected });
    const deadline = Date.now() + 5000;
    while (attempts() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(attempts()).toBe(before + 1);
    await request('destination:remove', { destinationId: bad });
    await request('destination:remove', { destinationId: rejected });
  });
});

describe('each destination on its own', () => {
  it('one destination is stopped and started alone; the others stay live', async () => {
    const before = reconnectsOf();
    await request('destination:stop', { destinationId: ids.srt });
    await waitForDestination(ids.srt, (d) => d.state === 'stopped', 5000);
    for (const id of [ids.rtmp, ids.rtmps]) expect(destination(id)?.state).toBe('live');
    await request('destination:start', { destinationId: ids.srt });
    await waitForDestination(ids.srt, (d) => d.state === 'live', 20000);
    expect(reconnectsOf()).toEqual(before);
  });
});

const reconnectsOf = () => Object.values(ids).map((id) => destination(id)?.reconnects);

describe('recordings and secrets', () => {
  it('the show recording and what each receiver recorded decode as H.264 + AAC at the configured size', async () => {
    const recording = state.recording?.file;
    expect(recording).toBeTruthy();
    expect(state.recording!.bytes).toBeGreaterThan(500_000);
    for (const file of [recording!, nginx.recordings()[0]!, nginxTls.recordings()[0]!, srt.recordings()[0]!]) {
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-count_frames', '-show_streams', file], { encoding: 'utf8' }));
      const video = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
      expect(video, file).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      expect(Number(video.nb_read_frames), file).toBeGreaterThan(30);
      expect(probe.streams.some((s: { codec_name: string }) => s.codec_name === 'aac'), file).toBe(true);
    }
  });

  it('no stream key appears in any log line or in what non-director pages receive', async () => {
    const out = server.output();
    for (const key of [...Object.values(KEYS), REJECTED_KEY, 'whatever-1']) expect(out).not.toContain(key);
    // The camera page's socket got tally and welcome, nothing about destinations.
    const received = await cams.red.page.evaluate(() => document.body.innerText);
    for (const key of Object.values(KEYS)) expect(received).not.toContain(key);
  });
});
