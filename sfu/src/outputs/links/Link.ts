// The last hop of a destination: how the encoded program (MPEG-TS) reaches the
// platform. Output owns the state machine, the retries and the health rules; a link
// only carries bytes and says what it sees: bytes the destination took, whether the
// server still answers, and why it ended.
import type { EventEmitter } from 'node:events';
import type { OutputErrorKind } from '../../../../shared/src/protocol.js';

export type LinkEnd = { kind: OutputErrorKind; message: string; detail?: string };

export type LinkEvents = {
  /** The destination took media: the total so far, in bytes. */
  accepted: [total: number];
  /** Over (not by close()): why, in the output state machine's words. */
  ended: [end: LinkEnd];
};

export interface Link extends EventEmitter<LinkEvents> {
  /** A chunk of the program; never blocks (a link that lags drops its own data). */
  write(chunk: Buffer): void;
  /** Set when the link itself can tell the server stopped reading (RTMP acknowledgements stopped). */
  frozen(now: number): string | undefined;
  close(): void;
}
