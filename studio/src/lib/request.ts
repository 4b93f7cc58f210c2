// Typed requests over socket.io: the event names and payloads are the ones in
// shared/protocol.ts; the server answers an Ack, turned here into a value or a throw.
import type { Socket } from 'socket.io-client';
import type { Ack, ProtocolError } from '../../../shared/src/protocol';

export class RequestFailed extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

export function makeRequester<Responses>(socket: Socket, timeoutMs = 10000) {
  return async function request<E extends keyof Responses & string>(event: E, payload: object = {}): Promise<Responses[E]> {
    const ack = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<Responses[E]>;
    if (!ack.ok) throw new RequestFailed(ack.error);
    return ack.data;
  };
}
