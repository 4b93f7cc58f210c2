// Every knob of the server, typed and validated once at start. Each one is an
// environment variable (listed in the README) with a default that works out of the box.
import { cpus, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { OutputFormat } from './outputFormat.js';
import { ConfigError } from './errors.js';

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z.string().trim().min(1).optional();

const EnvSchema = z.object({
  REGIE_HOST: z.string().default('0.0.0.0'),
  REGIE_PORT: port.default(8443),
  REGIE_PUBLIC_URL: z.url().optional(),
  REGIE_DATA_DIR: z.string().default('data'),
  REGIE_SHOW_NAME: z.string().trim().min(1).max(80).default('Régie'),
  REGIE_DIRECTOR_SECRET: z.string().min(12, 'REGIE_DIRECTOR_SECRET must be at least 12 characters').optional(),
  REGIE_TLS_CERT: optionalText,
  REGIE_TLS_KEY: optionalText,
  REGIE_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  REGIE_RTC_LISTEN_IP: z.ipv4().or(z.ipv6()).default('0.0.0.0'),
  REGIE_RTC_ANNOUNCED_IP: z.string().trim().min(1).optional(),
  REGIE_RTC_PORT: port.default(40000),
  REGIE_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  REGIE_SLATE_IMAGE: z.string().optional(),
  REGIE_OUTPUT_SIZE: z.string().regex(/^\d{3,4}x\d{3,4}$/, 'REGIE_OUTPUT_SIZE is WIDTHxHEIGHT, e.g. 1280x720').default('1280x720'),
  REGIE_OUTPUT_FPS: z.coerce.number().int().min(10).max(60).default(30),
  REGIE_VIDEO_KBPS: z.coerce.number().int().min(300).max(20000).default(3000),
  REGIE_KEYFRAME_SECONDS: z.coerce.number().int().min(1).max(4).default(2),
  REGIE_AUDIO_KBPS: z.coerce.number().int().min(64).max(320).default(128),
  /** a camera with no media for this long shows "no signal" on its tile (REGIE_STALL_MS: its old name) */
  REGIE_CAMERA_NO_SIGNAL_MS: z.coerce.number().int().min(300).max(60000).optional(),
  REGIE_STALL_MS: z.coerce.number().int().min(300).max(60000).optional(),
  /** the camera on air sent no video for this long: the slate goes on air instead */
  REGIE_SLATE_AFTER_MS: z.coerce.number().int().min(300).max(10000).default(800),
  /** a camera the slate covered, back and steady within this long, goes back on air by itself (0: never) */
  REGIE_AUTO_RETURN_MS: z.coerce.number().int().min(0).max(60000).default(3000),
  /** the program is composed by the mixer (transitions, any codec); off: cuts only splice H.264 cameras */
  REGIE_MIXER: z.enum(['on', 'off'], 'REGIE_MIXER is on or off').default('on'),
  /** a destination fed the program that takes no data for this long is reconnected */
  REGIE_DESTINATION_STALL_MS: z.coerce.number().int().min(2000).max(60000).default(6000),
  /** at most this many low-latency (WHEP) viewers at once; the HLS watch page takes everyone else */
  REGIE_WHEP_MAX_VIEWERS: z.coerce.number().int().min(0).max(100000).default(500),
  /** the first UDP port tried for a camera slot's SRT listener when the director leaves the port out */
  REGIE_SRT_PORT: z.coerce.number().int().min(1024).max(65000).default(9000),
  /** how long a camera that lost its connection keeps its slot (and producers) while it comes back */
  REGIE_REJOIN_GRACE_MS: z.coerce.number().int().min(1000).max(600000).default(30000),
  /** other web origins allowed to open the studio's pages' connections (a public name behind a proxy) */
  REGIE_ALLOWED_ORIGINS: z.string().optional().refine(
    (v) => !v || v.split(',').every((o) => URL.canParse(o.trim()) && /^https?:$/.test(new URL(o.trim()).protocol)),
    'REGIE_ALLOWED_ORIGINS is a comma-separated list of https://name[:port] origins',
  ),
});

export type Config = {
  host: string;
  port: number;
  /** base URL printed and put in invite links; derived from the LAN address if unset */
  publicUrl: string;
  dataDir: string;
  showName: string;
  directorSecret?: string;
  tls?: { certFile: string; keyFile: string };
  workers: number;
  rtc: { listenIp: string; announcedIp?: string; port: number };
  logLevel: z.infer<typeof EnvSchema>['REGIE_LOG_LEVEL'];
  /** a camera with no incoming media for this long shows "no signal" (its tile only: nothing else changes) */
  cameraNoSignalMs: number;
  /** the on-air camera sent no video for this long: the slate covers it */
  slateAfterMs: number;
  /** a covered camera back and steady within this long of the slate goes back on air by itself (0: never) */
  autoReturnMs: number;
  /** the program is composed by the program mixer (else only spliced) */
  mixer: boolean;
  /** a destination that takes none of the program fed to it for this long is reconnected */
  destinationStallMs: number;
  rejoinGraceMs: number;
  /** the first port tried for an SRT listener */
  srtPort: number;
  /** at most this many WHEP viewers at once */
  whepMaxViewers: number;
  /** the image on air when no camera can be (any format ffmpeg reads) */
  slateImage: string;
  /** what every destination receives */
  output: OutputFormat;
  /** web origins besides the server's own that may connect (the public URL's is always one) */
  allowedOrigins: string[];
};

/** The machine's first non-internal IPv4 address: what a phone on the LAN can reach. */
export function lanAddress(): string | undefined {
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (as `FOO=` in a shell or a compose file).
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.REGIE_TLS_CERT) !== Boolean(e.REGIE_TLS_KEY)) {
    throw new ConfigError('REGIE_TLS_CERT and REGIE_TLS_KEY go together: set both, or neither for a self-signed certificate');
  }
  const wildcard = e.REGIE_RTC_LISTEN_IP === '0.0.0.0' || e.REGIE_RTC_LISTEN_IP === '::';
  const lan = lanAddress();
  // Browsers must be told an address they can reach: with a wildcard listen that is the
  // LAN address, unless configured (a public IP behind NAT, say).
  const announcedIp = e.REGIE_RTC_ANNOUNCED_IP ?? (wildcard ? (lan ?? '127.0.0.1') : undefined);
  const urlHost = e.REGIE_HOST === '0.0.0.0' || e.REGIE_HOST === '::' ? (lan ?? 'localhost') : e.REGIE_HOST;
  const publicUrl = (e.REGIE_PUBLIC_URL ?? `https://${urlHost}:${e.REGIE_PORT}`).replace(/\/$/, '');
  return {
    host: e.REGIE_HOST,
    port: e.REGIE_PORT,
    publicUrl,
    allowedOrigins: [new URL(publicUrl).origin, ...(e.REGIE_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)],
    dataDir: resolve(e.REGIE_DATA_DIR),
    showName: e.REGIE_SHOW_NAME,
    directorSecret: e.REGIE_DIRECTOR_SECRET,
    tls: e.REGIE_TLS_CERT && e.REGIE_TLS_KEY ? { certFile: resolve(e.REGIE_TLS_CERT), keyFile: resolve(e.REGIE_TLS_KEY) } : undefined,
    workers: e.REGIE_WORKERS ?? Math.max(1, cpus().length),
    rtc: { listenIp: e.REGIE_RTC_LISTEN_IP, announcedIp, port: e.REGIE_RTC_PORT },
    logLevel: e.REGIE_LOG_LEVEL,
    cameraNoSignalMs: e.REGIE_CAMERA_NO_SIGNAL_MS ?? e.REGIE_STALL_MS ?? 1500,
    slateAfterMs: e.REGIE_SLATE_AFTER_MS,
    autoReturnMs: e.REGIE_AUTO_RETURN_MS,
    mixer: e.REGIE_MIXER === 'on',
    destinationStallMs: e.REGIE_DESTINATION_STALL_MS,
    rejoinGraceMs: e.REGIE_REJOIN_GRACE_MS,
    srtPort: e.REGIE_SRT_PORT,
    whepMaxViewers: e.REGIE_WHEP_MAX_VIEWERS,
    output: {
      width: Number(e.REGIE_OUTPUT_SIZE.split('x')[0]),
      height: Number(e.REGIE_OUTPUT_SIZE.split('x')[1]),
      fps: e.REGIE_OUTPUT_FPS,
      videoBitrateKbps: e.REGIE_VIDEO_KBPS,
      keyframeSeconds: e.REGIE_KEYFRAME_SECONDS,
      audioBitrateKbps: e.REGIE_AUDIO_KBPS,
    },
    slateImage: e.REGIE_SLATE_IMAGE ? resolve(e.REGIE_SLATE_IMAGE) : fileURLToPath(new URL('../assets/slate.png', import.meta.url)),
  };
}
