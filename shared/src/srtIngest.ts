// SRT into a camera slot: drones, bonded encoders and pro cameras that speak SRT
// (MPEG-TS with H.264 or H.265, and AAC). Régie either listens on a UDP port for the
// encoder to call it, or calls an encoder that listens. What the director may set is
// checked here; the server builds the ffmpeg URL from these fields only.
import { z } from 'zod';
import { Text } from './protocol.js';

/** SRT's own limits are 10–79 characters; URL-safe ones only, so no encoder mangles it in a URL. */
export const SrtPassphrase = z.string()
  .min(10, 'an SRT passphrase is at least 10 characters')
  .max(79, 'an SRT passphrase is at most 79 characters')
  .regex(/^[A-Za-z0-9_.~-]+$/, 'an SRT passphrase here uses letters, digits and _ . ~ - only (it goes into URLs)');

/** SRT's receive buffer: what it waits for lost packets. 120 ms on a LAN; 4× the round trip on the Internet. */
export const SrtLatencyMs = z.number().int().min(20, 'an SRT latency is at least 20 ms').max(8000, 'an SRT latency is at most 8000 ms');
export const DEFAULT_SRT_LATENCY_MS = 200;

/** The encoder's address when Régie calls it: srt://host:port, nothing else (the passphrase has its own field). */
const SrtCallerUrl = Text('the encoder\'s SRT address', 300).refine((u) => {
  if (!URL.canParse(u)) return false;
  const url = new URL(u);
  return url.protocol === 'srt:' && url.hostname !== '' && url.port !== '' && url.port !== '0' && url.search === '' && url.hash === '' &&
    url.username === '' && url.password === '' && (url.pathname === '' || url.pathname === '/');
}, 'the encoder\'s address is srt://host:port (e.g. srt://192.168.1.40:9000), without ?options');

export const SrtIngestInput = z.discriminatedUnion('mode', [
  z.object({
    /** Régie listens; the encoder calls it */
    mode: z.literal('listener'),
    /** UDP port; omitted: the next free one from REGIE_SRT_PORT */
    port: z.number().int().min(1024, 'an SRT port is 1024 to 65535').max(65535, 'an SRT port is 1024 to 65535').optional(),
    /** omitted: Régie makes one (an SRT listener open to anyone would take any stream) */
    passphrase: SrtPassphrase.optional(),
    latencyMs: SrtLatencyMs.default(DEFAULT_SRT_LATENCY_MS),
  }),
  z.object({
    /** Régie calls the encoder, which listens */
    mode: z.literal('caller'),
    url: SrtCallerUrl,
    passphrase: SrtPassphrase.optional(),
    latencyMs: SrtLatencyMs.default(DEFAULT_SRT_LATENCY_MS),
  }),
]);
export type SrtIngestInput = z.infer<typeof SrtIngestInput>;

/** A slot's SRT input as stored and as the director sees it (the director's view only: it holds the passphrase). */
export type SrtIngestSettings =
  | { mode: 'listener'; port: number; passphrase?: string; latencyMs: number }
  | { mode: 'caller'; url: string; passphrase?: string; latencyMs: number };

export type SrtIngestView = SrtIngestSettings & {
  /** waiting: listening for the encoder, or calling it; receiving: its media arrives; retrying: it failed, tried again soon */
  state: 'waiting' | 'receiving' | 'retrying';
  /** what the encoder is given, listener mode: srt://<this server>:<port>?passphrase=… */
  encoderUrl?: string;
  /** the last failure, in words */
  error?: string;
};

/**
 * The URL an encoder calls (listener mode). No latency in it: ffmpeg reads `latency` in
 * microseconds where other encoders read milliseconds; the studio shows it apart.
 */
export function srtEncoderUrl(publicHost: string, s: Extract<SrtIngestSettings, { mode: 'listener' }>): string {
  return `srt://${publicHost}:${s.port}${s.passphrase ? `?passphrase=${s.passphrase}` : ''}`;
}
