// Hostile and clumsy clients against the real server: malformed messages get a
// clear error and change nothing, roles are enforced, and the show goes on.
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ProtocolError, ShowView } from '../shared/src/protocol.js';
import { launchBrowser } from '../testkit/browser.js';
import { openCamera } from '../testkit/fakeCamera.js';
import { startServer, type RegieServer } from '../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForTileColour } from '../testkit/studio.js';

let server: RegieServer;
let browser: Browser;
let director: Page;
let cam: { slotId: string; link: string };
const sockets: Socket[] = [];

function connect(namespace: string, auth: object): Socket {
  const socket = io(`${server.url}${namespace}`, { auth, transports: ['websocket'], rejectUnauthorized: false, reconnection: false });
  sockets.push(socket);
  return socket;
}

/** Resolves with the connect_error message, or 'connected'. */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

const send = (socket: Socket, event: string, ...args: unknown[]) =>
  socket.timeout(5000).emitWithAck(event, ...args) as Promise<Ack<unknown>>;

const nextProtocolError = (socket: Socket) => new Promise<ProtocolError>((resolve) => socket.once('protocol-error', resolve));

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  director = await openStudio(browser, server.url, server.secret);
  cam = await addCameraSlot(director, 'Pont d\'Iéna');
  const page = await openCamera(browser, cam.link, { color: '#ff0000', toneHz: 1000 });
  await startStreaming(page);
  await waitForTileColour(director, cam.slotId, 'red', 20000);
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  await server?.stop();
});

describe('malformed messages', () => {
  it('a payload of the wrong shape is refused with a clear error and changes nothing', async () => {
    const socket = connect('/director', { secret: server.secret });
    const state = new Promise<ShowView>((resolve) => socket.once('show:state', resolve));
    expect(await outcome(socket)).toBe('connected');
    const before = await state;

    const pushed = nextProtocolError(socket);
    const ack = await send(socket, 'slot:create', { name: 42 });
    expect(ack.ok).toBe(false);
    if (!ack.ok) {
      expect(ack.error.code).toBe('invalid-payload');
      expect(ack.error.message).toMatch(/^slot:create: name: /);
    }
    expect((await pushed).code).toBe('invalid-payload');

    for (const bad of [undefined, null, 'text', [1, 2], { name: '' }, { name: 'x'.repeat(500) }]) {
      const a = await send(socket, 'slot:create', bad);
      expect(a.ok).toBe(false);
    }
    const deleteUnknown = await send(socket, 'slot:delete', { slotId: 'ffffffffffff' });
    expect(deleteUnknown.ok ? null : deleteUnknown.error.code).toBe('not-found');
    const badDtls = await send(socket, 'transport:connect', { transportId: 'x', dtlsParameters: { fingerprints: 'nope' } });
    expect(badDtls.ok ? null : badDtls.error.code).toBe('invalid-payload');

    // Nothing changed: same slots as before.
    const after = await new Promise<ShowView>((resolve) => {
      socket.once('show:state', resolve);
      void send(socket, 'slot:rename', { slotId: cam.slotId, name: 'Pont d\'Iéna' });
    });
    expect(after.slots.map((s) => [s.id, s.name])).toEqual(before.slots.map((s) => [s.id, s.name]));
  });

  it('the switcher refuses a source that does not exist, or a cut with nothing in preview', async () => {
    const socket = connect('/director', { secret: server.secret });
    expect(await outcome(socket)).toBe('connected');
    const cut = await send(socket, 'switcher:cut', {});
    expect(cut.ok ? null : cut.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/nothing is in preview/) });
    const unknown = await send(socket, 'switcher:preview', { sourceId: 'ffffffffffff' });
    expect(unknown.ok ? null : unknown.error.code).toBe('not-found');
    const malformed = await send(socket, 'switcher:preview', { sourceId: '<script>' });
    expect(malformed.ok ? null : malformed.error.code).toBe('invalid-payload');
    expect((await send(socket, 'switcher:preview', { sourceId: 'slate' })).ok).toBe(true);
  });

  it('an unknown event, or one without an acknowledgement, gets a protocol-error event', async () => {
    const socket = connect('/director', { secret: server.secret });
    expect(await outcome(socket)).toBe('connected');
    const unknown = nextProtocolError(socket);
    socket.emit('drop-all-tables', { please: true });
    expect(await unknown).toMatchObject({ code: 'unknown-event', event: 'drop-all-tables' });
    const noAck = nextProtocolError(socket);
    socket.emit('slot:create', 'not an object');
    expect(await noAck).toMatchObject({ code: 'invalid-payload', event: 'slot:create' });
    expect(socket.connected).toBe(true);
  });

  it('after all that the server keeps serving: the live camera is still red, a new slot can be made', async () => {
    await waitForTileColour(director, cam.slotId, 'red', 5000);
    const socket = connect('/director', { secret: server.secret });
    expect(await outcome(socket)).toBe('connected');
    const ack = await send(socket, 'slot:create', { name: 'Champ de Mars' });
    expect(ack.ok).toBe(true);
    await director.getByText('Champ de Mars').first().waitFor({ timeout: 5000 });
    const status = await director.evaluate(async () => (await fetch('/healthz')).json());
    expect(status).toMatchObject({ ok: true });
  });
});

describe('roles', () => {
  it('the director namespace refuses a missing or wrong secret, and an invite token', async () => {
    expect(await outcome(connect('/director', {}))).toMatch(/secret is missing/);
    expect(await outcome(connect('/director', { secret: 'wrong-secret-123' }))).toMatch(/secret is wrong/);
    const token = new URL(cam.link).hash.replace('#token=', '');
    expect(await outcome(connect('/director', { secret: token }))).toMatch(/secret is wrong/);
  });

  it('a camera token cannot read the show or act as director', async () => {
    const token = new URL(cam.link).hash.replace('#token=', '');
    const socket = connect('/camera', { token });
    const received: string[] = [];
    socket.onAny((event) => received.push(event));
    const welcome = new Promise<Record<string, unknown>>((resolve) => socket.once('camera:welcome', resolve));
    expect(await outcome(socket)).toBe('connected');
    const w = await welcome;
    // Its own slot only; the transport id is the one its slot's camera already holds (for an ICE restart).
    expect(Object.keys(w).filter((k) => k !== 'transportId').sort()).toEqual(['routerRtpCapabilities', 'slotId', 'slotName']);

    for (const event of ['slot:create', 'slot:delete', 'slot:renewInvite', 'consume', 'consumer:resume', 'talkback:send', 'switcher:cut', 'show:goLive', 'camera:setQuality']) {
      const ack = await send(socket, event, { name: 'x', slotId: cam.slotId });
      expect(ack.ok ? null : ack.error.code).toBe('unknown-event');
    }
    expect(received).not.toContain('show:state');
    // Whatever the camera socket was sent holds no other slot's token and no secret.
    const everything = JSON.stringify(w);
    expect(everything).not.toContain(server.secret);
    expect(everything).not.toContain(token);
    socket.disconnect();
  });
});
