// Cameras from SRT encoders (drones, bonded and pro encoders): real ffmpeg encoders
// speaking SRT with MPEG-TS — H.264 with B-frames and AAC calling Régie's listener, and
// H.265 with AAC listening for Régie to call it — each a camera in its slot, on air at a
// real RTMP receiver (colour read back from decoded frames), the slate when the encoder
// hangs up, and back in the same slot when it calls again.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../shared/src/protocol.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { freePort } from '../testkit/ports.js';
import { WhipCamera, whipRequest } from '../testkit/whipCamera.js';
import { NginxRtmp } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let viewer: ColourViewer;
const nginx = new NginxRtmp();
const KEY = 'srt-in-key';
const encoders: ChildProcess[] = [];

const slot = (id: string) => control.state?.slots.find((s: SlotView) => s.id === id);

/** An encoder: a colour and a tone as MPEG-TS over SRT (the URL says caller or listener); `silent`: no audio at all, as many drones. */
function encoder(url: string, colour: string, video: 'h264' | 'h265', silent = false): ChildProcess {
  const codec = video === 'h264'
    // B-frames and a 2 s GOP, as a pro encoder sends: Régie must not pass them on as they are.
    ? ['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60']
    : ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=60'];
  const child = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `color=c=${colour}:s=640x360:r=30`, ...(silent ? [] : ['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=48000']),
    ...codec, '-pix_fmt', 'yuv420p', '-b:v', '1000k', ...(silent ? ['-an'] : ['-c:a', 'aac', '-b:a', '96k']), '-f', 'mpegts', url,
  ], { stdio: 'ignore' });
  encoders.push(child);
  return child;
}

beforeAll(async () => {
  await nginx.start();
  server = await startServer({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800', REGIE_KEYFRAME_SECONDS: '1', REGIE_REJOIN_GRACE_MS: '60000' });
  control = await Control.connect(server);
  await control.request('destination:add', { name: 'RTMP', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY });
  await control.request('show:goLive');
  await control.until('the destination live', () => control.state?.destinations?.[0]?.state === 'live', 30000);
  viewer = nginx.viewer(KEY);
});

afterAll(async () => {
  for (const e of encoders) e.kill('SIGKILL');
  viewer?.stop();
  control?.disconnect();
  await server?.stop();
  nginx.stop();
});

describe('an SRT encoder that calls Régie (Régie listens)', () => {
  let slotId: string;
  let url: string;
  let caller: ChildProcess;

  it('the slot listens with a passphrase Régie made, and shows the URL to give the encoder', async () => {
    ({ slotId } = await control.request<{ slotId: string }>('slot:create', { name: 'Drone' }));
    const port = await freePort();
    await control.request('slot:setSrt', { slotId, srt: { mode: 'listener', port, latencyMs: 120 } });
    await control.until('the slot listening', () => slot(slotId)?.srt?.state === 'waiting', 10000);
    const srt = slot(slotId)!.srt!;
    expect(srt).toMatchObject({ mode: 'listener', port, latencyMs: 120 });
    expect(srt.passphrase).toMatch(/^[A-Za-z0-9_-]{22}$/);
    url = srt.encoderUrl!;
    expect(url).toBe(`srt://127.0.0.1:${port}?passphrase=${srt.passphrase}`);
    expect(slot(slotId)!.state).toBe('waiting');
    // The passphrase is in no log line.
    expect(server.output()).not.toContain(srt.passphrase!);
  });

  it('an encoder with the wrong passphrase is turned away and the slot keeps listening', async () => {
    const wrong = encoder(url.replace(/passphrase=.*/, 'passphrase=not-the-right-one'), 'red', 'h264');
    const code = await new Promise<number | null>((resolve) => wrong.once('exit', resolve));
    expect(code).not.toBe(0); // SRT refused its handshake
    expect(slot(slotId)!.state).toBe('waiting');
    expect(slot(slotId)!.srt!.state).toBe('waiting');
  });

  it('H.264 with B-frames and AAC: a camera in its slot, on air at the RTMP receiver', async () => {
    caller = encoder(url, 'blue', 'h264');
    await control.until('the SRT camera sending', () => slot(slotId)?.state === 'live', 20000);
    expect(slot(slotId)).toMatchObject({ sender: 'srt', srt: { state: 'receiving' }, videoFormat: { codec: 'H264', onAir: true } });
    expect(slot(slotId)!.audio).toBeDefined();
    await control.putOnAir(slotId);
    console.log(`SRT camera: blue at the RTMP receiver ${await viewer.waitFor('blue', 30000)} ms after the cut`);
  });

  it('the encoder hangs up: the slate covers, the slot waits; it calls again: the same slot, on air again', async () => {
    caller.kill('SIGKILL');
    console.log(`SRT encoder gone: slate at the receiver after ${await viewer.waitFor('slate', 15000)} ms`);
    await control.until('the slot reconnecting', () => slot(slotId)?.state === 'reconnecting', 20000);
    await control.until('listening again', () => slot(slotId)?.srt?.state === 'waiting', 10000);
    caller = encoder(url, 'blue', 'h264');
    await control.until('the SRT camera back', () => slot(slotId)?.state === 'live', 20000);
    expect(control.state!.slots.filter((s: SlotView) => s.name === 'Drone')).toHaveLength(1);
    await control.putOnAir(slotId);
    await viewer.waitFor('blue', 30000);
  }, 90000);

});

describe('an SRT encoder without sound, and a slot that takes SRT alone', () => {
  it('a drone with no audio: on air all the same (silence in its place), once it calls again as encoders do', async () => {
    const { slotId } = await control.request<{ slotId: string }>('slot:create', { name: 'Silent drone' });
    await control.request('slot:setSrt', { slotId, srt: { mode: 'listener', port: await freePort(), latencyMs: 120 } });
    await control.until('listening', () => slot(slotId)?.srt?.state === 'waiting', 10000);
    const url = slot(slotId)!.srt!.encoderUrl!;
    // An encoder calls again when its call drops (Régie learns on the first call that it has no sound).
    let stopped = false;
    let current: ChildProcess;
    const call = () => {
      current = encoder(url, 'blue', 'h264', true);
      current.once('exit', () => { if (!stopped) setTimeout(call, 300); });
    };
    call();
    try {
      await control.until('the silent SRT camera sending', () => slot(slotId)?.state === 'live', 30000);
      expect(slot(slotId)!.audio).toBeDefined();
      await control.putOnAir(slotId);
      await viewer.waitFor('blue', 30000);
    } finally {
      stopped = true;
      current!.kill('SIGKILL');
    }
  }, 60000);

  it('refuses a WHIP encoder (409) and a camera page in a slot that takes SRT', async () => {
    const drone = control.state!.slots.find((s: SlotView) => s.name === 'Drone')!;
    const { pc, sdp } = await WhipCamera.offer();
    try {
      const res = await whipRequest(`${server.url}/whip/${drone.id}`, 'POST', { 'Content-Type': 'application/sdp', Authorization: `Bearer ${drone.inviteToken}` }, sdp);
      expect(res.status).toBe(409);
      expect(JSON.parse(res.body).detail).toMatch(/takes an SRT encoder/);
    } finally {
      await pc.close();
    }
    const { io } = await import('socket.io-client');
    const socket = io(`${server.url}/camera`, { auth: { token: drone.inviteToken }, transports: ['websocket'], rejectUnauthorized: false, reconnection: false, forceNew: true });
    const refused = await new Promise<string>((resolve) => socket.once('connect_error', (err) => resolve(err.message)));
    socket.close();
    expect(refused).toMatch(/takes an SRT encoder/);
  });
});

describe('an SRT encoder that listens (Régie calls it)', () => {
  it('H.265 and AAC: Régie calls with the passphrase, the camera goes on air', async () => {
    const port = await freePort();
    const passphrase = 'a-shared-secret-42';
    encoder(`srt://127.0.0.1:${port}?mode=listener&passphrase=${passphrase}`, 'red', 'h265');
    const { slotId } = await control.request<{ slotId: string }>('slot:create', { name: 'Bonded' });
    await control.request('slot:setSrt', { slotId, srt: { mode: 'caller', url: `srt://127.0.0.1:${port}`, passphrase, latencyMs: 200 } });
    await control.until('the SRT camera sending', () => slot(slotId)?.state === 'live', 30000);
    await control.putOnAir(slotId);
    await viewer.waitFor('red', 30000);
  }, 60000);

  it('refuses what cannot be: a port another slot listens on, an address with options, a short passphrase', async () => {
    const { slotId } = await control.request<{ slotId: string }>('slot:create', { name: 'Spare' });
    const drone = control.state!.slots.find((s: SlotView) => s.name === 'Drone')!.srt!;
    const taken = drone.mode === 'listener' ? drone.port : 0;
    const refusal = async (srt: object) => {
      const ack = await control.ack('slot:setSrt', { slotId, srt });
      return ack.ok ? 'accepted' : ack.error.message;
    };
    expect(await refusal({ mode: 'listener', port: taken, latencyMs: 200 })).toMatch(/already used/);
    expect(await refusal({ mode: 'caller', url: 'srt://10.0.0.1:9000?mode=listener', latencyMs: 200 })).toMatch(/without \?options/);
    expect(await refusal({ mode: 'listener', passphrase: 'short', latencyMs: 200 })).toMatch(/at least 10/);
    expect(slot(slotId)!.srt).toBeUndefined();
    // Removed: the slot no longer listens, and says so.
    await control.request('slot:setSrt', { slotId: control.state!.slots.find((s: SlotView) => s.name === 'Bonded')!.id, srt: null });
    await control.until('the SRT input gone', () => control.state!.slots.find((s: SlotView) => s.name === 'Bonded')!.srt === undefined, 5000);
    // its camera left at once (it does not wait to come back: nothing will call it any more)
    await control.until('the camera offline', () => control.state!.slots.find((s: SlotView) => s.name === 'Bonded')!.state === 'offline', 5000);
  });
});
