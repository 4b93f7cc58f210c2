// How a table of requests is written, and what both sides read from it. Each entry
// holds the schema a payload must pass and, as a type only, the answer it gets: the
// server's handlers, the browser's requester and socket.io's event maps all come
// from that one line, so they cannot drift apart.
import type { z } from 'zod';
import type { Ack } from './protocol.js';

/** Never set at runtime: the key under which an entry carries its answer's type. */
declare const answerType: unique symbol;

/** One request: the schema its payload must pass, and what a success answers. */
export type RequestSpec<S extends z.ZodType = z.ZodType, A = unknown> = {
  readonly schema: S;
  readonly [answerType]?: A;
};

/** A namespace's requests: event name → entry. */
export type RequestTable = Record<string, RequestSpec>;

/** An entry of a table: `request(z.object({ name: SlotName })).answers<{ slotId: string }>()`. */
export const request = <S extends z.ZodType>(schema: S) => ({
  // No default answer: an entry that does not say what it answers answers nothing (never),
  // so no handler can return just anything.
  answers: <A = never>(): RequestSpec<S, A> => ({ schema }),
});

/** The answer of a request that has nothing to say but that it was done. */
export type Done = Record<string, never>;

export type RequestName<T extends RequestTable> = keyof T & string;

/** What a page sends: the schema's input (before trimming and defaults). */
export type RequestPayload<T extends RequestTable, E extends keyof T> = z.input<T[E]['schema']>;

/** What the server's handler gets: the payload as the schema parsed it. */
export type ParsedRequest<T extends RequestTable, E extends keyof T> = z.output<T[E]['schema']>;

/** What a request answers when it succeeds. */
export type RequestAnswer<T extends RequestTable, E extends keyof T> =
  T[E] extends RequestSpec<z.ZodType, infer A> ? A : never;

/** socket.io's map of the events a page emits: each request, its payload and its Ack. */
export type ClientEvents<T extends RequestTable> = {
  [E in RequestName<T>]: (payload: RequestPayload<T, E>, ack: (answer: Ack<RequestAnswer<T, E>>) => void) => void;
};
