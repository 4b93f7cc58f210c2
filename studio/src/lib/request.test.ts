import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Ack } from '../../../shared/src/protocol';
import type { Done } from '../../../shared/src/requestTable';
import { makeRequester, RequestFailed } from './request';
import type { CameraSocket, DirectorSocket } from './sockets';

/** The client socket as the requester uses it: emits recorded, each answered with the next Ack. */
function fakeSocket(answers: Ack<unknown>[]) {
  const sent: { timeoutMs: number; event: string; payload: unknown }[] = [];
  const socket = {
    timeout: (timeoutMs: number) => ({
      emitWithAck: async (event: string, payload: unknown) => {
        sent.push({ timeoutMs, event, payload });
        return answers.shift();
      },
    }),
  };
  return { sent, director: socket as unknown as DirectorSocket, camera: socket as unknown as CameraSocket };
}

describe('makeRequester', () => {
  it('sends the event and payload, and resolves with the answer', async () => {
    const { sent, director } = fakeSocket([{ ok: true, data: { slotId: 'abcdefgh' } }]);
    const request = makeRequester(director);
    expect(await request('slot:create', { name: 'north' })).toEqual({ slotId: 'abcdefgh' });
    expect(sent).toEqual([{ timeoutMs: 10000, event: 'slot:create', payload: { name: 'north' } }]);
  });

  it('sends an empty payload when there is nothing to say, with the timeout asked for', async () => {
    const { sent, camera } = fakeSocket([{ ok: true, data: {} }]);
    await makeRequester(camera, 5000)('transport:create');
    expect(sent).toEqual([{ timeoutMs: 5000, event: 'transport:create', payload: {} }]);
  });

  it('throws a refusal with its code and words', async () => {
    const error = { code: 'not-found', event: 'slot:delete', message: 'there is no camera slot x' } as const;
    const { director } = fakeSocket([{ ok: false, error }]);
    const failed = await makeRequester(director)('slot:delete', { slotId: 'abcdefgh' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RequestFailed);
    expect((failed as RequestFailed).error).toEqual(error);
  });

  it('types each request from the socket\'s table: its payload in, its answer out', () => {
    const { director, camera } = fakeSocket([]);
    const request = makeRequester(director);
    expectTypeOf(request<'slot:create'>).returns.resolves.toEqualTypeOf<{ slotId: string }>();
    expectTypeOf(request<'switcher:cut'>).returns.resolves.toEqualTypeOf<Done>();
    expectTypeOf(makeRequester(camera)<'produce'>).returns.resolves.toEqualTypeOf<{ producerId: string }>();
    const typeErrors = () => {
      // @ts-expect-error the payload is required
      void request('slot:create');
      // @ts-expect-error a name is text
      void request('slot:create', { name: 7 });
      // @ts-expect-error not a director request
      void request('produce', { transportId: 't', kind: 'video', rtpParameters: { codecs: [] } });
      // @ts-expect-error an unknown event
      void request('server:shutdown', {});
    };
    expect(typeErrors).toBeTypeOf('function');
  });
});
