// Each namespace serves its table, all of it and nothing more: checked here at
// runtime on a connection, beyond what the compiler checks of the handler maps.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { cameraRequests, directorRequests } from '../../../shared/src/requests.js';
import { createLogger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import type { Broadcast } from '../outputs/Broadcast.js';
import { Show } from '../show/Show.js';
import { ShowStore } from '../store/ShowStore.js';
import type { Switcher } from '../switcher/Switcher.js';
import { serveCameras } from './cameraNamespace.js';
import { serveDirectors } from './directorNamespace.js';
import { FakeSocket } from './fakeSocket.js';

/** A namespace that lets every socket in (the auth middleware is not under test here). */
class FakeNamespace extends EventEmitter {
  use() {}
}

function studio() {
  const show = new Show('Test', new ShowStore(mkdtempSync(join(tmpdir(), 'regie-ns-'))));
  const switcher = Object.assign(new EventEmitter(), { view: () => undefined, tally: () => 'idle' as const });
  const deps = {
    show,
    pool: { rtpCapabilities: {} } as unknown as WorkerPool,
    switcher: switcher as unknown as Switcher,
    broadcast: { view: () => ({}) } as unknown as Broadcast,
    log: createLogger('silent'),
  };
  return { show, deps };
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
    const { show, deps } = studio();
    const slot = show.createSlot('north');
    const nsp = new FakeNamespace();
    serveCameras(nsp as unknown as Namespace, { ...deps, stallMs: 2000, rejoinGraceMs: 1000 });
    const socket = new FakeSocket();
    socket.data.slotId = slot.id;
    nsp.emit('connection', socket);
    expect(requestsServed(socket)).toEqual(Object.keys(cameraRequests).sort());
    expect(await socket.ask('report', { width: 1280, height: 720, fps: 30 })).toEqual({ ok: true, data: {} });
    for (const event of Object.keys(directorRequests).filter((e) => !Object.hasOwn(cameraRequests, e))) {
      const ack = await socket.ask(event, {});
      expect(ack.ok ? 'accepted' : ack.error.code, event).toBe('unknown-event');
    }
    socket.disconnect();
  });
});
