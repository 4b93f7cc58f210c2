// One way to serve a namespace's requests: validate the payload against its schema
// from shared/, run the handler, answer an Ack. Bad input gets a clear error and
// changes nothing; an unknown event is answered too, and the connection stays up.
// Nothing a browser sends can take the server down: whatever throws, anywhere in a
// request, becomes an answer ('internal-error') and a log line.
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Ack, ProtocolError } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { RequestError } from '../errors.js';

type Schemas = Record<string, z.ZodType>;
export type Handlers<S extends Schemas, R extends { [K in keyof S]: unknown }> = {
  [K in keyof S]: (payload: z.infer<S[K]>) => Promise<R[K]> | R[K];
};

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function serveRequests<S extends Schemas, R extends { [K in keyof S]: unknown }>(
  socket: Socket,
  schemas: S,
  handlers: Handlers<S, R>,
  log: Logger,
): void {
  const refuse = (ack: unknown, error: ProtocolError) => {
    socket.emit('protocol-error', error);
    if (typeof ack === 'function') (ack as (a: Ack<never>) => void)({ ok: false, error });
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && Object.hasOwn(schemas, event)) return;
    const name = String(event).slice(0, 64);
    log.warn({ event: name }, 'unknown event refused');
    refuse(args.at(-1), { code: 'unknown-event', event: name, message: `"${name}" is not a request this page may make` });
  });

  for (const event of Object.keys(schemas) as (keyof S & string)[]) {
    (socket as Socket).on(event as string, async (...args: unknown[]) => {
      const ack = args.at(-1);
      try {
        const payload = args.length > 1 || typeof ack !== 'function' ? args[0] : undefined;
        // A request sent without a payload is an empty one; null or any other value is what was sent.
        const parsed = schemas[event].safeParse(payload === undefined ? {} : payload);
        if (!parsed.success) {
          log.warn({ event, issues: parsed.error.issues.length }, 'invalid payload refused');
          refuse(ack, { code: 'invalid-payload', event, message: `${event}: ${describe(parsed.error)}` });
          return;
        }
        const data = await handlers[event](parsed.data);
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
