// Each namespace serves its table, all of it and nothing more: checked here at
// runtime on a connection, beyond what the compiler checks of the handler maps.
import { EventEmitter } from 'node:events';
import type { Namespace } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { cameraRequests, directorRequests } from '../../../shared/src/requests.js';
import { createLogger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import type { Show } from '../show/Show.js';
import { serveCameras } from './cameraNamespace.js';
import { serveDirectors } from './directorNamespace.js';
import { FakeSocket } from './fakeSocket.js';

/** A namespace that lets every socket in (the auth middleware is not under test here). */
class FakeNamespace extends EventEmitter {
  use() {}
}

/**
 * The show as the adapters see it: only what a connection and the requests below call.
 * The namespaces are thin, so this is all they need of it.
 */
function studio() {
  const reports: unknown[] = [];
  const show = Object.assign(new EventEmitter(), {
    pool: { rtpCapabilities: {} } as unknown as WorkerPool,
    view: () => ({ showName: 'Test', publicUrl: '', slots: [] }),
    createSlot: (name: string) => ({ id: 'a1b2c3d4e5f6', name }),
    cameraJoined: () => ({ setReport: (r: unknown) => reports.push(r) }),
    cameraClosed: () => undefined,
    cameraLost: () => undefined,
  });
  return { deps: { show: show as unknown as Show, log: createLogger('silent') }, reports };
}

/** The events a connected socket listens to, without socket.io's own. */
const requestsServed = (socket: FakeSocket) => socket.eventNames().filter((e) => e !== 'disconnect').map(String).sort();

describe('the namespaces', () => {
  it('the director namespace serves exactly the director table', async () => {
    const { deps } = studio();
    const nsp = new FakeNamespace();
    serveDirectors(nsp as unknown as Namespace, { ...deps, secret: 'unused' });
    const socket = new FakeSocket();
    nsp.emit('connection', socket);
    expect(requestsServed(socket)).toEqual(Object.keys(directorRequests).sort());
    const created = await socket.ask('slot:create', { name: 'north' });
    expect(created.ok && typeof (created.data as { slotId: unknown }).slotId).toBe('string');
    for (const event of Object.keys(cameraRequests).filter((e) => !Object.hasOwn(directorRequests, e))) {
      const ack = await socket.ask(event, {});
      expect(ack.ok ? 'accepted' : ack.error.code, event).toBe('unknown-event');
    }
    socket.disconnect();
  });

  it('the camera namespace serves exactly the camera table', async () => {
    const { deps, reports } = studio();
    const nsp = new FakeNamespace();
    serveCameras(nsp as unknown as Namespace, deps);
    const socket = new FakeSocket();
    socket.data.slotId = 'a1b2c3d4e5f6';
    nsp.emit('connection', socket);
    expect(requestsServed(socket)).toEqual(Object.keys(cameraRequests).sort());
    expect(await socket.ask('report', { width: 1280, height: 720, fps: 30 })).toEqual({ ok: true, data: {} });
    expect(reports).toEqual([{ width: 1280, height: 720, fps: 30 }]);
    for (const event of Object.keys(directorRequests).filter((e) => !Object.hasOwn(cameraRequests, e))) {
      const ack = await socket.ask(event, {});
      expect(ack.ok ? 'accepted' : ack.error.code, event).toBe('unknown-event');
    }
    socket.disconnect();
  });
});
