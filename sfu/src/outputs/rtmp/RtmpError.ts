// Why a publish failed, in the words the output's state machine uses: "a person must
// fix this" (unknown host, refused key, bad URL) versus "retry" (refused connection,
// timeout, network). Messages name the host, never the stream key.
import type { OutputErrorKind } from '../../../../shared/src/protocol.js';

export type RtmpErrorKind = Exclude<OutputErrorKind, 'stalled'>;

export class RtmpError extends Error {
  override name = 'RtmpError';
  constructor(readonly kind: RtmpErrorKind, message: string) {
    super(message);
  }
}

/** The name does not resolve (DNS ENOTFOUND / EAI_AGAIN). */
export class RtmpUnknownHostError extends RtmpError {
  override name = 'RtmpUnknownHostError';
  constructor(host: string) {
    super('unknown-host', `unknown host ${host}: check the server address`);
  }
}

/** Nothing listens there (ECONNREFUSED): the server is down or the port is wrong. Retried. */
export class RtmpRefusedError extends RtmpError {
  override name = 'RtmpRefusedError';
  constructor(where: string) {
    super('refused', `connection refused by ${where}: the server is not accepting connections (down or wrong port)`);
  }
}

/** The server said no: `_error` to connect, onStatus level "error", or a close right after publish. */
export class RtmpRejectedError extends RtmpError {
  override name = 'RtmpRejectedError';
  constructor(why: string, readonly code?: string) {
    super('rejected', `the server refused the stream: ${why}`);
  }
}

/** No handshake or no answer within the deadline (a frozen server, a black-holed port). */
export class RtmpTimeoutError extends RtmpError {
  override name = 'RtmpTimeoutError';
  constructor(step: string, ms?: number) {
    super('timeout', `the server did not answer ${step}${ms === undefined ? '' : ` within ${ms / 1000} s`}`);
  }
}

/** The connection broke (reset, closed, TLS or protocol error on the wire). Retried. */
export class RtmpNetworkError extends RtmpError {
  override name = 'RtmpNetworkError';
  constructor(why: string) {
    super('network', `the connection dropped: ${why}`);
  }
}

/** The URL cannot be published to (wrong scheme, no application, a certificate not valid for the host). */
export class RtmpBadUrlError extends RtmpError {
  override name = 'RtmpBadUrlError';
  constructor(why: string) {
    super('bad-url', why);
  }
}

const TLS_CERT_CODES = /^(CERT_|ERR_TLS_CERT|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY)_ISSUER|UNABLE_TO_VERIFY_LEAF)/;

/** A socket error as one of the kinds above. */
export function socketError(err: NodeJS.ErrnoException, host: string, where: string): RtmpError {
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new RtmpUnknownHostError(host);
  if (code === 'ECONNREFUSED') return new RtmpRefusedError(where);
  if (code === 'ETIMEDOUT') return new RtmpTimeoutError(`the connection (${where})`);
  // A certificate that does not match cannot be fixed by retrying: a person must look.
  if (TLS_CERT_CODES.test(code)) return new RtmpBadUrlError(`the TLS certificate of ${host} is not valid (${code})`);
  return new RtmpNetworkError(code ? `${code} from ${where}` : `error from ${where}`);
}

/** A server-provided text with every form of the key hidden (servers echo the stream name back). */
export function hideKey(text: string, key: string): string {
  if (!key) return text;
  let out = text;
  for (const form of new Set([key, encodeURIComponent(key)]).values()) out = out.split(form).join('••••');
  return out;
}
