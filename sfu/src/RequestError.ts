// An error whose message is meant for the person who made the request. Any part of
// the show may throw one; the signaling layer sends it back as it is.
import type { ErrorCode } from '../../shared/src/protocol.js';

export class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}
