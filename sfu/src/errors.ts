// Régie's errors, in one module every layer imports downward (it imports nothing of
// Régie's own). Two families:
// - a RequestError is meant for the person who made the request: any part of the show
//   may throw one, and the signaling layer sends its code and message back as they are;
// - a CannotStart error stops the server at start and needs a person to fix something
//   (a setting, a file): the supervisor does not retry it.
import type { ErrorCode } from '../../shared/src/protocol.js';

export class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** What the request names does not exist (any more). */
export class NotFound extends RequestError {
  constructor(message: string) {
    super('not-found', message);
  }
}

/** The request is valid but cannot be done in the show's present state. */
export class Conflict extends RequestError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** The request passed its schema but asks for something that cannot be (checked past the schema). */
export class Invalid extends RequestError {
  constructor(message: string) {
    super('invalid-payload', message);
  }
}

/** mediasoup refused what the request asked of it (a transport or consumer it cannot make). */
export class MediaError extends RequestError {
  constructor(message: string) {
    super('media-error', message);
  }
}

/** The server cannot start until a person fixes what the message says. */
export class CannotStart extends Error {}
/** A setting (environment variable) is wrong. */
export class ConfigError extends CannotStart {}
/** The data dir or a file in it cannot be used. */
export class StoreError extends CannotStart {}

/** Why a program run with execFile failed: the last line it wrote on stderr, else the error's own message. */
export function whyCommandFailed(err: unknown): string {
  return ((err as { stderr?: string }).stderr ?? '').trim().split('\n').at(-1) || (err as Error).message;
}
