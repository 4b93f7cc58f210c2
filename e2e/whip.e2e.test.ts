// Cameras from encoders over WHIP (RFC 9725): a real WebRTC publisher (werift, fed by
// ffmpeg's H.264 and Opus) POSTs its offer to a slot's endpoint with the slot's token,
// and becomes a camera like a phone: its tile in the studio, sending, on air, at a real
// RTMP receiver (colour read back from decoded frames), the slate when it drops, and
// back in the same slot when it publishes again. Every refusal the RFC asks for is
// checked against the real server, which stays up through all of them.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../shared/src/protocol.js';
import { launchBrowser } from '../testkit/browser.js';
import type { ColourViewer } from '../testkit/ColourViewer.js';
import { NginxRtmp } from '../testkit/receivers.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { openStudio, tile, waitForTileColour } from '../testkit/studio.js';
import { freePort } from '../testkit/ports.js';
import { WhipCamera, whipRequest } from '../testkit/whipCamera.js';
import { Control } from './harness/control.js';

let server: RegieServer;
let control: Control;
let browser: Browser;
let director: Page;
let viewer: ColourViewer;
const nginx = new NginxRtmp();
const KEY = 'whip-key';
let slotId: string;
let token: string;
let endpoint: string;
let camera: WhipCamera | undefined;

const slot = (id = slotId) => control.state?.slots.find((s: SlotView) => s.id === id);
const auth = (t = token) => ({ Authorization: `Bearer ${t}` });
const SDP = { 'Content-Type': 'application/sdp' };
/** Full green (ffmpeg's "green" is #008000, too dark to tell from other colours). */
const GREEN = { kind: 'colour', colour: '0x00FF00', toneHz: 660 } as const;

beforeAll(async () => {
  await nginx.start();
  server = await startServer({
    REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '800', REGIE_KEYFRAME_SECONDS: '1', REGIE_REJOIN_GRACE_MS: '60000',
    REGIE_SRT_PORT: String(await freePort()),
  });
  control = await Control.connect(server);
  ({ slotId } = await control.request<{ slotId: string }>('slot:create', { name: 'OBS — stage' }));
  await control.until('the slot listed', () => Boolean(slot()), 5000);
  token = slot()!.inviteToken;
  endpoint = `${server.url}/whip/${slotId}`;
  await control.request('destination:add', { name: 'RTMP', protocol: 'rtmp', url: nginx.url(false), streamKey: KEY });
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
});

afterAll(async () => {
  await camera?.close();
  viewer?.stop();
  control?.disconnect();
  await browser?.close();
  await server?.stop();
  nginx.stop();
});

describe('a WHIP encoder as a camera', () => {
  it('publishes into its slot: sending, H.264, from an encoder, its picture in the tile, and on air at the RTMP receiver', async () => {
    camera = await WhipCamera.publish(endpoint, token, GREEN);
    expect(camera.resource).toMatch(new RegExp(`/whip/${slotId}/[A-Za-z0-9_-]{22}$`));
    await control.until('the WHIP camera sending', () => slot()?.state === 'live', 15000);
    expect(slot()).toMatchObject({ sender: 'whip', videoFormat: { codec: 'H264', layers: 1, onAir: true } });
    expect(slot()!.audio).toBeDefined();
    await waitForTileColour(director, slotId, 'green', 15000);
    await expect.poll(() => tile(director, slotId).getByTestId('tile-sender').textContent(), { timeout: 5000 }).toBe('WHIP');
    // An encoder says nothing of its picture: the tile reads it from what it decodes.
    await expect.poll(() => tile(director, slotId).getByTestId('tile-res').textContent(), { timeout: 10_000 }).toBe('640×360');
    await expect.poll(async () => Number(await tile(director, slotId).getByTestId('tile-fps').textContent()), { timeout: 10_000 }).toBeGreaterThan(0);
    // What the director pastes into OBS, under the slot.
    const item = director.locator(`[data-testid="slot-item"][data-slot-id="${slotId}"]`);
    expect(await item.getByTestId('whip-url').inputValue()).toBe(endpoint);
    expect(await item.getByTestId('whip-token').inputValue()).toBe(token);

    await control.request('show:goLive');
    await control.until('the destination live', () => control.state?.destinations?.[0]?.state === 'live', 30000);
    viewer = nginx.viewer(KEY);
    await control.putOnAir(slotId);
    console.log(`WHIP camera: green at the RTMP receiver ${await viewer.waitFor('green', 30000)} ms after the cut`);
    await expect.poll(() => tile(director, slotId).getByTestId('tile-bus').textContent(), { timeout: 5000 }).toBe('on air');
  });

  it('refuses what the RFC says to refuse, with the reason, and the server stays up', async () => {
    const offer = (await WhipCamera.offer());
    try {
      const noToken = await whipRequest(endpoint, 'POST', SDP, offer.sdp);
      expect(noToken.status).toBe(401);
      expect(noToken.headers['www-authenticate']).toMatch(/^Bearer/);
      expect((await whipRequest(endpoint, 'POST', { ...SDP, ...auth('A'.repeat(22)) }, offer.sdp)).status).toBe(401);
      // Another slot's token does not open this one.
      const { slotId: other } = await control.request<{ slotId: string }>('slot:create', { name: 'Other' });
      await control.until('the other slot listed', () => Boolean(slot(other)), 5000);
      const cross = await whipRequest(endpoint, 'POST', { ...SDP, ...auth(slot(other)!.inviteToken) }, offer.sdp);
      expect(cross.status).toBe(401);
      const wrongType = await whipRequest(endpoint, 'POST', { 'Content-Type': 'text/plain', ...auth() }, offer.sdp);
      expect(wrongType.status).toBe(415);
      const garbage = await whipRequest(`${server.url}/whip/${other}`, 'POST', { ...SDP, ...auth(slot(other)!.inviteToken) }, 'v=0\r\nm=video nonsense\r\n');
      expect(garbage.status).toBe(400);
      expect(JSON.parse(garbage.body).detail).toMatch(/fingerprint|media section|cannot be read/);
      const recvonly = await whipRequest(`${server.url}/whip/${other}`, 'POST', { ...SDP, ...auth(slot(other)!.inviteToken) }, offer.sdp.replaceAll('a=sendonly', 'a=recvonly'));
      expect(recvonly.status).toBe(422);
      expect(JSON.parse(recvonly.body).detail).toMatch(/recvonly: a WHIP client sends/);
      // The slot is in use by the connected encoder of the first test.
      const busy = await whipRequest(endpoint, 'POST', { ...SDP, ...auth() }, offer.sdp);
      expect(busy.status).toBe(409);
      expect(JSON.parse(busy.body).detail).toMatch(/an encoder is sending in this slot/);
      const preflight = await whipRequest(endpoint, 'OPTIONS', { Origin: 'https://encoder.example', 'Access-Control-Request-Method': 'POST' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers).toMatchObject({ 'accept-post': 'application/sdp', 'access-control-allow-origin': '*' });
      expect(String(preflight.headers['access-control-expose-headers'])).toMatch(/Location.*ETag/);
      expect((await whipRequest(endpoint, 'PUT', auth())).status).toBe(405);
      expect((await whipRequest(`${endpoint}/${'B'.repeat(22)}`, 'DELETE', auth())).status).toBe(404);
      // Nothing of the refused requests reached the other slot, and the first camera still sends.
      expect(slot(other)!.state).toBe('waiting');
      expect(slot()!.state).toBe('live');
      await control.request('slot:delete', { slotId: other });
    } finally {
      await offer.pc.close();
    }
  });

  it('PATCH: trickled candidates are taken (204), an ICE restart gives new credentials and a new ETag; If-Match is checked', async () => {
    const patch = (headers: Record<string, string>, body: string) =>
      whipRequest(camera!.resource, 'PATCH', { 'Content-Type': 'application/trickle-ice-sdpfrag', ...auth(), ...headers }, body);
    const trickle = 'a=ice-ufrag:x\r\na=ice-pwd:y\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n';
    expect((await patch({}, trickle)).status).toBe(428);
    expect((await patch({ 'If-Match': '"stale"' }, trickle)).status).toBe(412);
    const restart = await patch({ 'If-Match': '*' }, 'a=ice-ufrag:newf\r\na=ice-pwd:newpassword0123456789ab\r\n');
    expect(restart.status).toBe(200);
    expect(restart.headers['content-type']).toMatch(/application\/trickle-ice-sdpfrag/);
    expect(restart.body).toMatch(/^a=ice-lite\r\n[^]*a=ice-ufrag:\S+\r\na=ice-pwd:\S+\r\na=candidate:/);
    const etag = String(restart.headers.etag);
    // Candidates under the credentials now in use: a trickle, not another restart.
    expect((await patch({ 'If-Match': etag }, trickle.replace('ice-ufrag:x', 'ice-ufrag:newf'))).status).toBe(204);
    expect((await patch({ 'If-Match': '"*"' }, trickle.replace('ice-ufrag:x', 'ice-ufrag:newf'))).status).toBe(204);
  });
});

describe('the slot\'s encoder settings in the studio', () => {
  it('the director turns SRT on for a slot and sees the URL to give the encoder, then turns it off', async () => {
    const { slotId: other } = await control.request<{ slotId: string }>('slot:create', { name: 'Drone' });
    const item = director.locator(`[data-testid="slot-item"][data-slot-id="${other}"]`);
    await item.getByText('From an encoder (OBS, Larix…)').click();
    await item.getByRole('button', { name: 'Use SRT' }).click();
    await expect.poll(() => item.getByTestId('srt-url').inputValue().catch(() => ''), { timeout: 5000 })
      .toMatch(/^srt:\/\/127\.0\.0\.1:\d+\?passphrase=[A-Za-z0-9_-]{22}$/);
    expect(slot(other)!.srt).toMatchObject({ mode: 'listener', state: 'waiting', latencyMs: 200 });
    await item.getByRole('button', { name: 'Stop SRT' }).click();
    await control.until('SRT off', () => slot(other)?.srt === undefined, 5000);
    await control.request('slot:delete', { slotId: other });
  });
});

describe('a WHIP camera that drops and comes back', () => {
  it('DELETE: its camera is offline at once, the slate goes on air; a new POST lands in the same slot and goes on air again', async () => {
    // (The ICE restart above left the first publisher with old credentials: it is replaced here anyway.)
    expect(await camera!.stop()).toBe(200);
    await control.until('the slot offline', () => slot()?.state === 'offline', 5000);
    expect(slot()!.reason).toMatch(/ended its WHIP session/);
    await viewer.waitFor('slate', 10000);

    camera = await WhipCamera.publish(endpoint, token, GREEN);
    await control.until('the WHIP camera sending again', () => slot()?.state === 'live', 15000);
    expect(control.state!.slots.filter((s: SlotView) => s.name === 'OBS — stage')).toHaveLength(1);
    await control.putOnAir(slotId);
    await viewer.waitFor('green', 30000);
  });

  it('an encoder that vanishes without a word: slate within seconds, its slot kept (reconnecting), and its next POST takes the slot back', async () => {
    await camera!.close(); // no DELETE: its network died
    const slate = await viewer.waitFor('slate', 10000);
    console.log(`WHIP camera vanished: slate at the receiver after ${slate} ms`);
    // ICE consent runs out (15 s): the slot waits for the encoder (grace 60 s here).
    await control.until('the slot reconnecting', () => slot()?.state === 'reconnecting', 30000);
    camera = await WhipCamera.publish(endpoint, token, GREEN);
    await control.until('the WHIP camera sending again', () => slot()?.state === 'live', 15000);
    await control.putOnAir(slotId);
    await viewer.waitFor('green', 30000);
  }, 90000);
});
