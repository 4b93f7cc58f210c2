// Typed requests over socket.io. A page's socket is typed with the ClientEvents of
// its table in shared/src/requests.ts, so the requester reads each event's payload
// and answer from the socket itself; the server answers an Ack, turned here into a
// value or a throw.
import type { Socket } from 'socket.io-client';
import type { Ack, ProtocolError } from '../../../shared/src/protocol';

export class RequestFailed extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

/** An event map as ClientEvents writes one: (payload, ack) for every request. */
type RequestEvents = Record<string, (payload: never, ack: never) => void>;
type PayloadOf<M, E extends keyof M> = M[E] extends (payload: infer P, ack: never) => void ? P : never;
type AnswerOf<M, E extends keyof M> = M[E] extends (payload: never, ack: (answer: Ack<infer A>) => void) => void ? A : never;

/** The payload may be left out when an empty one is valid (the page sends `{}`). */
type PayloadArgs<P> = {} extends P ? [payload?: P] : [payload: P];

export type Requester<M extends RequestEvents> =
  <E extends keyof M & string>(event: E, ...payload: PayloadArgs<PayloadOf<M, E>>) => Promise<AnswerOf<M, E>>;

export function makeRequester<M extends RequestEvents>(socket: Socket<never, M>, timeoutMs = 10000): Requester<M> {
  // The event is named by the caller, so socket.io's per-event typing cannot follow it here.
  const untyped = socket as unknown as Socket;
  return async (event, ...[payload]) => {
    const ack = (await untyped.timeout(timeoutMs).emitWithAck(event, payload ?? {})) as Ack<AnswerOf<M, typeof event>>;
    if (!ack.ok) throw new RequestFailed(ack.error);
    return ack.data;
  };
}
