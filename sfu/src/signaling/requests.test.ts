import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Ack, ProtocolError } from '../../../shared/src/protocol.js';
import { createLogger } from '../log.js';
import { RequestError, NotFound } from '../errors.js';
import { serveRequests } from './requests.js';

/** Just enough of a socket.io server socket: events in, emits recorded. */
class FakeSocket extends EventEmitter {
  readonly emitted: [string, unknown][] = [];
  #any: ((event: string, ...args: unknown[]) => void)[] = [];
  onAny(fn: (event: string, ...args: unknown[]) => void) { this.#any.push(fn); }
  override emit(event: string, ...args: unknown[]): boolean {
    this.emitted.push([event, args[0]]);
    return true;
  }
  /** What the client sends: the any-listeners, then the event's own listeners. */
  receive(event: string, ...args: unknown[]) {
    for (const fn of this.#any) fn(event, ...args);
    for (const l of this.listeners(event)) (l as (...a: unknown[]) => void)(...args);
  }
  errors() { return this.emitted.filter(([e]) => e === 'protocol-error').map(([, p]) => p as ProtocolError); }
}

const log = createLogger('silent');
const schemas = { 'slot:create': z.object({ name: z.string().min(1) }), boom: z.object({}) };

function setup(handler = vi.fn(async ({ name }: { name: string }) => ({ slotId: `id-${name}` }))) {
  const socket = new FakeSocket();
  serveRequests<typeof schemas, { 'slot:create': { slotId: string }; boom: never }>(socket as unknown as Socket, schemas, {
    'slot:create': handler,
    boom: () => { throw new Error('kaboom'); },
  }, log);
  return { socket, handler };
}

const ackOf = async (socket: FakeSocket, event: string, payload: unknown): Promise<Ack<unknown>> =>
  new Promise((resolve) => socket.receive(event, payload, resolve));

describe('serveRequests', () => {
  it('passes a valid payload to the handler and acks its result', async () => {
    const { socket, handler } = setup();
    expect(await ackOf(socket, 'slot:create', { name: 'north' })).toEqual({ ok: true, data: { slotId: 'id-north' } });
    expect(handler).toHaveBeenCalledWith({ name: 'north' });
    expect(socket.errors()).toEqual([]);
  });

  it('refuses a bad payload with the field and the reason, and never calls the handler', async () => {
    const { socket, handler } = setup();
    const ack = await ackOf(socket, 'slot:create', { name: 7 });
    expect(ack.ok).toBe(false);
    if (!ack.ok) expect(ack.error).toMatchObject({ code: 'invalid-payload', event: 'slot:create' });
    if (!ack.ok) expect(ack.error.message).toMatch(/name: .*string/i);
    expect(handler).not.toHaveBeenCalled();
    expect(socket.errors()).toHaveLength(1);
  });

  it('answers an unknown event with an error event, ack or not', async () => {
    const { socket } = setup();
    socket.receive('nope', { x: 1 });
    expect(socket.errors()[0]).toMatchObject({ code: 'unknown-event', event: 'nope' });
    const ack = await ackOf(socket, 'also-nope', {});
    expect(ack.ok ? null : ack.error.code).toBe('unknown-event');
  });

  it('reports a RequestError in the user\'s words, and any other error as internal', async () => {
    const { socket } = setup(vi.fn(async () => { throw new NotFound('there is no such slot'); }));
    const ack = await ackOf(socket, 'slot:create', { name: 'x' });
    expect(ack).toEqual({ ok: false, error: { code: 'not-found', event: 'slot:create', message: 'there is no such slot' } });
    const boom = await ackOf(socket, 'boom', {});
    expect(boom.ok ? null : boom.error.code).toBe('internal-error');
  });

  it('works without an acknowledgement callback (the error still reaches the page)', () => {
    const { socket } = setup();
    socket.receive('slot:create', 'not an object');
    expect(socket.errors()[0]?.code).toBe('invalid-payload');
  });
});
