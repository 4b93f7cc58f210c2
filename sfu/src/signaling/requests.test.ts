import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { request, type Done } from '../../../shared/src/requestTable.js';
import { createLogger } from '../log.js';
import { NotFound } from '../errors.js';
import { FakeSocket } from './fakeSocket.js';
import { serveRequests, type Handlers, type RequestSocket } from './requests.js';

const log = createLogger('silent');
const table = {
  'slot:create': request(z.object({ name: z.string().trim().min(1), colour: z.string().default('red') })).answers<{ slotId: string }>(),
  boom: request(z.object({})).answers<Done>(),
};
type Table = typeof table;
const asSocket = (socket: FakeSocket) => socket as unknown as RequestSocket<Table>;

function setup(handler = vi.fn(async ({ name }: { name: string }) => ({ slotId: `id-${name}` }))) {
  const socket = new FakeSocket();
  serveRequests(asSocket(socket), table, {
    'slot:create': handler,
    boom: () => { throw new Error('kaboom'); },
  }, log);
  return { socket, handler };
}

describe('serveRequests', () => {
  it('passes the parsed payload to the handler and acks its result', async () => {
    const { socket, handler } = setup();
    expect(await socket.ask('slot:create', { name: ' north ' })).toEqual({ ok: true, data: { slotId: 'id-north' } });
    expect(handler).toHaveBeenCalledWith({ name: 'north', colour: 'red' });
    expect(socket.errors()).toEqual([]);
  });

  it('refuses a bad payload with the field and the reason, and never calls the handler', async () => {
    const { socket, handler } = setup();
    const ack = await socket.ask('slot:create', { name: 7 });
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
    const ack = await socket.ask('also-nope', {});
    expect(ack.ok ? null : ack.error.code).toBe('unknown-event');
  });

  it('reports a RequestError in the user\'s words, and any other error as internal', async () => {
    const { socket } = setup(vi.fn(async () => { throw new NotFound('there is no such slot'); }));
    const ack = await socket.ask('slot:create', { name: 'x' });
    expect(ack).toEqual({ ok: false, error: { code: 'not-found', event: 'slot:create', message: 'there is no such slot' } });
    const boom = await socket.ask('boom', {});
    expect(boom.ok ? null : boom.error.code).toBe('internal-error');
  });

  it('works without an acknowledgement callback (the error still reaches the page)', () => {
    const { socket } = setup();
    socket.receive('slot:create', 'not an object');
    expect(socket.errors()[0]?.code).toBe('invalid-payload');
  });

  it('listens to exactly the events of its table', () => {
    const { socket } = setup();
    expect(socket.eventNames().sort()).toEqual(Object.keys(table).sort());
  });

  it('refuses, when called, handlers that do not match the table one for one', () => {
    const slotCreate = () => ({ slotId: 'x' });
    const serve = (handlers: object) => () =>
      serveRequests(asSocket(new FakeSocket()), table, handlers as Handlers<Table>, log);
    expect(serve({ 'slot:create': slotCreate })).toThrow(/no handler: boom/);
    expect(serve({ 'slot:create': slotCreate, boom: () => ({}), 'slot:drop': () => ({}) })).toThrow(/not a request: slot:drop/);
    expect(serve({ 'slot:create': slotCreate, boom: () => ({}) })).not.toThrow();
  });

  it('types each handler from the table: the parsed payload in, the answer out, one for every event', () => {
    type H = Handlers<Table>;
    expectTypeOf<Parameters<H['slot:create']>[0]>().toEqualTypeOf<{ name: string; colour: string }>();
    expectTypeOf<ReturnType<H['slot:create']>>().toEqualTypeOf<{ slotId: string } | Promise<{ slotId: string }>>();
    expectTypeOf<keyof H>().toEqualTypeOf<'slot:create' | 'boom'>();
    const socket = asSocket(new FakeSocket());
    const typeErrors = () => {
      // @ts-expect-error a handler is missing
      serveRequests(socket, table, { 'slot:create': () => ({ slotId: 'x' }) }, log);
      // @ts-expect-error an answer of the wrong shape
      serveRequests(socket, table, { 'slot:create': () => ({ id: 'x' }), boom: () => ({}) }, log);
      // @ts-expect-error an answer where "done" says nothing
      serveRequests(socket, table, { 'slot:create': () => ({ slotId: 'x' }), boom: () => ({ done: true }) }, log);
      // @ts-expect-error a handler for an event the table does not have
      serveRequests(socket, table, { 'slot:create': () => ({ slotId: 'x' }), boom: () => ({}), extra: () => ({}) }, log);
    };
    expect(typeErrors).toBeTypeOf('function');
  });
});
