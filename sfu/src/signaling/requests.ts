// One way to serve a namespace's requests: validate the payload against its schema
// from shared/, run the handler, answer an Ack. Bad input gets a clear error and
// changes nothing; an unknown event is answered too, and the connection stays up.
// Nothing a browser sends can take the server down: whatever throws, anywhere in a
// request, becomes an answer ('internal-error') and a log line.
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Ack, ProtocolError } from '../../../shared/src/protocol.js';
import type {
  ClientEvents, ParsedRequest, RequestAnswer, RequestName, RequestTable,
} from '../../../shared/src/requestTable.js';
import type { Logger } from '../log.js';
import { RequestError } from '../errors.js';

/** A handler for every request of the table: gets the parsed payload, returns (or resolves to) the answer. */
export type Handlers<T extends RequestTable> = {
  [E in RequestName<T>]: (payload: ParsedRequest<T, E>) => Promise<RequestAnswer<T, E>> | RequestAnswer<T, E>;
};

/**
 * A socket that receives the table's requests and can be told of a refusal. It documents
 * more than it checks: socket.io's Socket<…> lets one event map stand for another, so
 * the table is what types the handlers.
 */
export type RequestSocket<T extends RequestTable> = Socket<ClientEvents<T>, { 'protocol-error': (error: ProtocolError) => void }>;

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function serveRequests<T extends RequestTable>(
  typedSocket: RequestSocket<NoInfer<T>>,
  table: T,
  handlers: Handlers<NoInfer<T>>,
  log: Logger,
): void {
  // The compiler already holds the handlers to the table; this holds a handler map
  // built any other way to it too, at the first connection rather than at a request.
  const missing = Object.keys(table).filter((event) => !Object.hasOwn(handlers, event));
  const extra = Object.keys(handlers).filter((event) => !Object.hasOwn(table, event));
  if (missing.length || extra.length) {
    throw new Error(`the handlers do not match the request table (no handler: ${missing.join(', ') || 'none'}; not a request: ${extra.join(', ') || 'none'})`);
  }
  // Events are listened to by name from the table, so by that point untyped.
  const socket = typedSocket as unknown as Socket;
  const refuse = (ack: unknown, error: ProtocolError) => {
    socket.emit('protocol-error', error);
    if (typeof ack === 'function') (ack as (a: Ack<never>) => void)({ ok: false, error });
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && Object.hasOwn(table, event)) return;
    const name = String(event).slice(0, 64);
    log.warn({ event: name }, 'unknown event refused');
    refuse(args.at(-1), { code: 'unknown-event', event: name, message: `"${name}" is not a request this page may make` });
  });

  for (const event of Object.keys(table) as RequestName<T>[]) {
    socket.on(event as string, async (...args: unknown[]) => {
      const ack = args.at(-1);
      try {
        const payload = args.length > 1 || typeof ack !== 'function' ? args[0] : undefined;
        // A request sent without a payload is an empty one; null or any other value is what was sent.
        const parsed = table[event]!.schema.safeParse(payload === undefined ? {} : payload);
        if (!parsed.success) {
          log.warn({ event, issues: parsed.error.issues.length }, 'invalid payload refused');
          refuse(ack, { code: 'invalid-payload', event, message: `${event}: ${describe(parsed.error)}` });
          return;
        }
        const data = await handlers[event](parsed.data as ParsedRequest<T, typeof event>);
        if (typeof ack === 'function') ack({ ok: true, data: data ?? {} });
      } catch (err) {
        if (err instanceof RequestError) {
          refuse(ack, { code: err.code, event, message: err.message });
        } else {
          log.error({ event, err: (err as Error)?.message, stack: (err as Error)?.stack }, 'request failed');
          refuse(ack, { code: 'internal-error', event, message: `${event} failed on the server; it is logged, and nothing else changed` });
        }
      }
    });
  }
}
