// Structured logs: one JSON object a line, with the show/slot/worker they concern.
// Secrets are redacted by key wherever they appear, as a second line of defence:
// the code never passes a secret or token to a log call on purpose.
import { pino, type Logger } from 'pino';

export const REDACTED_KEYS = ['secret', 'token', 'inviteToken', 'directorSecret', 'auth', 'authorization', 'cookie', 'streamKey', 'key'];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    { level, base: { app: 'regie' }, redact: { paths, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

export type { Logger };
