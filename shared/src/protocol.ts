// The protocol between the studio's pages and the SFU, over socket.io: its vocabulary,
// what the server pushes, and how a request fails. The requests themselves, each with
// its schema and its answer, are in requests.ts.
import { z } from 'zod';
import type { SrtIngestView } from './srtIngest.js';

export const NAMESPACES = { director: '/director', camera: '/camera' } as const;

// ---- text a person typed ------------------------------------------------------
/**
 * No NUL or control characters in anything typed: names end up in logs, file names and
 * ffmpeg's arguments, where a tab or a newline can change what a URL means.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const noControlCharacters = (s: string) => !CONTROL_CHARACTERS.test(s);
export const Text = (what: string, max: number) => z.string()
  .trim()
  .min(1, `${what} is empty`)
  .max(max, `${what} is at most ${max} characters`)
  .refine(noControlCharacters, `${what} must not contain control characters (tab, newline, NUL…)`);

// ---- vocabulary ------------------------------------------------------------
export const SlotId = z.string().regex(/^[a-z0-9]{8,32}$/, 'a slot id is 8 to 32 lowercase letters or digits');
export const SlotName = Text('a slot name', 60);
export const MediaKind = z.enum(['audio', 'video']);
/** A source the switcher can put on air: a camera slot, or the slate. */
export const SourceId = z.union([SlotId, z.literal('slate')]);

/** Where a slot's camera is, as the director sees it. */
export type CameraState =
  | 'waiting' // nobody has joined this slot since the server started
  | 'connecting' // an operator is on the page, not sending media yet
  | 'live' // media is arriving
  | 'stalled' // joined, but no media for a while (network trouble)
  | 'paused' // the operator's page is in the background, or its camera was taken
  | 'reconnecting' // the camera's connection dropped; its slot waits for it to come back
  | 'offline'; // was here, has left or dropped

// ---- the camera's own settings -------------------------------------------------
/** Capture quality: picture height and frame rate, applied live without a new producer. */
export const CameraQuality = z.object({
  height: z.union([z.literal(1080), z.literal(720), z.literal(480), z.literal(360)]),
  fps: z.union([z.literal(30), z.literal(25), z.literal(15)]),
});
export type CameraQuality = z.infer<typeof CameraQuality>;
export const DEFAULT_QUALITY: CameraQuality = { height: 720, fps: 30 };
export const qualityLabel = (q: CameraQuality): string => `${q.height}p${q.fps}`;

/** Why a camera is paused, as its page reports it. */
export const PauseReason = z.enum(['background', 'camera-unavailable']);
export type PauseReason = z.infer<typeof PauseReason>;

/** What the operator's page says about itself (beyond the media the SFU measures). */
export const CameraStatus = z.object({
  paused: PauseReason.optional(),
  micMuted: z.boolean(),
  quality: CameraQuality,
  torch: z.boolean(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

// ---- destinations ------------------------------------------------------------
export const DestinationId = z.string().regex(/^[a-z0-9]{8,32}$/, 'a destination id is 8 to 32 lowercase letters or digits');
export const DestinationProtocol = z.enum(['rtmp', 'rtmps', 'srt']);
const SCHEMES: Record<z.infer<typeof DestinationProtocol>, string> = { rtmp: 'rtmp:', rtmps: 'rtmps:', srt: 'srt:' };

/** A URL with a scheme and a host; the parse is guarded so a schema never throws. */
const parsedUrl = (u: string): URL | undefined => (URL.canParse(u) ? new URL(u) : undefined);

const DestinationUrl = Text('the server URL', 500)
  .refine((u) => Boolean(parsedUrl(u)?.hostname), 'not a URL: it starts with rtmp://, rtmps:// or srt:// and a server name (e.g. rtmp://a.rtmp.youtube.com/live2)');

/** What the director types in to add or change a destination. The key is write-only. */
export const DestinationInput = z.object({
  name: Text('a destination name', 60),
  protocol: DestinationProtocol,
  url: DestinationUrl,
  /** omitted on an update: keep the stored key; empty: no key */
  streamKey: z.string().trim().max(500, 'a stream key is at most 500 characters')
    .regex(/^[\x21-\x7e\u00a0-\uffff]*$/, 'a stream key has no spaces or control characters').optional(),
  enabled: z.boolean().default(true),
}).superRefine((d, ctx) => {
  // Checked only once the fields themselves passed: this runs on whatever was sent.
  const url = typeof d.url === 'string' ? parsedUrl(d.url) : undefined;
  if (!url || typeof d.protocol !== 'string' || !Object.hasOwn(SCHEMES, d.protocol)) return;
  if (url.protocol !== SCHEMES[d.protocol]) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'the URL must start with the protocol chosen (rtmp://, rtmps:// or srt://)' });
  }
  // Régie calls the platform; an SRT URL must not turn an output into a listener.
  const mode = url.searchParams.get('mode');
  if (d.protocol === 'srt' && mode !== null && mode !== 'caller') {
    ctx.addIssue({ code: 'custom', path: ['url'], message: `an SRT destination calls the platform: remove mode=${mode.slice(0, 20)} from the URL` });
  }
});

/** waiting: connected, but there is no program to send (the encoder is not producing); never called live */
export type OutputState = 'idle' | 'connecting' | 'live' | 'waiting' | 'reconnecting' | 'failed' | 'stopped';
/** cannot-run: this server could not run the link's process (ffmpeg missing): never the platform's doing, retried */
export type OutputErrorKind = 'refused' | 'rejected' | 'unknown-host' | 'timeout' | 'network' | 'stalled' | 'bad-url' | 'cannot-run';

/** What a destination's pre-flight test found: accepted, or the cause named. */
export type DestinationTest = { accepted: boolean; message: string; kind?: OutputErrorKind; tookMs: number };

/** A destination as the director sees it: the key never leaves the server, only whether one is set. */
export type DestinationView = {
  id: string;
  name: string;
  protocol: z.infer<typeof DestinationProtocol>;
  url: string;
  hasStreamKey: boolean;
  enabled: boolean;
  state: OutputState;
  bitrateKbps: number;
  liveSince?: number;
  reconnects: number;
  lastError?: string;
  errorKind?: OutputErrorKind;
};

// ---- what requests answer ----------------------------------------------------
export type TransportInfo = {
  transportId: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
};

export type ConsumerInfo = {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: unknown;
};

/** Error codes a request can fail with; `message` says it in words for the user. */
export type ErrorCode = 'invalid-payload' | 'unknown-event' | 'not-found' | 'conflict' | 'media-error' | 'internal-error';
export type ProtocolError = { code: ErrorCode; message: string; event?: string };
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };

// ---- what the server pushes ------------------------------------------------------
export type ProducerRef = { producerId: string; routerId: string };

export type CameraStats = {
  width: number;
  height: number;
  fps: number;
  /** bits per second arriving at the SFU, all simulcast layers together */
  bitrate: number;
  /** share of packets lost on the way in, 0..1 */
  loss: number;
  /** mediasoup's 0..10 quality score of the best incoming stream */
  score: number;
};

/** One camera slot as the director sees it, invite token included (director only). */
export type SlotView = {
  id: string;
  name: string;
  inviteToken: string;
  state: CameraState;
  /** what sends in the slot: the camera page, or an encoder over WHIP or SRT (no tally or talkback reaches those) */
  sender?: 'page' | 'whip' | 'srt';
  /** the slot's SRT input, if it has one (with its passphrase: the director's view only) */
  srt?: SrtIngestView;
  video?: ProducerRef;
  audio?: ProducerRef;
  /** what the camera's video is: its codec ('H264', 'VP8'), its simulcast layers, and whether it can go on air */
  videoFormat?: { codec: string; layers: number; onAir: boolean };
  stats?: CameraStats;
  /** why the camera is in its state, in words ("left the page", "no media for 2 s") */
  reason?: string;
  /** the last talkback message to this camera, and whether its operator read it */
  talkback?: TalkbackView;
  /** what the camera's page reports: paused, mic muted, quality, torch */
  camera?: CameraStatus;
  /** one sample a second, oldest first (the last minute): for the tile's sparkline */
  history?: HealthSample[];
  /** the last time this camera came back by itself after losing its connection */
  recovered?: { at: number; afterMs: number };
};

/** A second of a camera's health as the SFU measured it. */
export type HealthSample = { t: number; kbps: number; loss: number };

export type TalkbackMessage = { id: string; text: string; sentAt: number };
export type TalkbackView = TalkbackMessage & { readAt?: number };

/** The switcher as the director sees it; sources are slot ids or 'slate'. */
/**
 * How a take changes the program: a cut (next frame), a mix (dissolve), a dip through
 * black or through the slate; `ms` is how long it lasts.
 */
export const Transition = z.object({
  kind: z.enum(['cut', 'mix', 'dip-black', 'dip-slate']),
  ms: z.number().int('a whole number of milliseconds').min(100, 'a transition lasts at least 0.1 s').max(10_000, 'a transition lasts at most 10 s'),
});
export type Transition = z.infer<typeof Transition>;
/** How the slate goes on air over a camera that stalled: a cut, or a mix (its last picture dissolving into the slate). */
export const SlateTransition = z.object({ kind: z.enum(['cut', 'mix']), ms: Transition.shape.ms });
export type SlateTransition = z.infer<typeof SlateTransition>;

/**
 * How a shot is laid out: one source full frame; another inset in a corner (picture in
 * picture, its size a share of the frame's width); or two side by side. Pictures keep
 * their aspect in their box (a portrait phone is pillarboxed).
 */
export const Layout = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('full') }),
  z.object({
    kind: z.literal('pip'),
    inset: SourceId,
    corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']).default('bottom-right'),
    size: z.number().min(0.15, 'an inset is at least 15 % of the width').max(0.5, 'an inset is at most half the width').default(0.3),
  }),
  z.object({ kind: z.literal('side-by-side'), right: SourceId }),
]);
export type Layout = z.infer<typeof Layout>;

/** The graphics above the program: a lower third, the countdown (to the show's countdown), a LIVE bug, the show's logo. */
export const GraphicName = z.enum(['lower-third', 'countdown', 'live', 'logo']);
export type GraphicName = z.infer<typeof GraphicName>;
/** What the graphics say: the lower third's two lines, and what the countdown says at zero. */
export const GraphicsText = z.object({
  title: Text('the lower third\'s title', 80).or(z.literal('')),
  subtitle: Text('the lower third\'s subtitle', 120).or(z.literal('')),
  countdownEnd: Text('what the countdown says at zero', 40),
});
export type GraphicsText = z.infer<typeof GraphicsText>;
/** Where the logo sits: a corner, its height as a share of the frame's, and its opacity. */
export const LogoPlacement = z.object({
  corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']).default('top-right'),
  size: z.number().min(0.05, 'a logo is at least 5 % of the frame\'s height').max(0.3, 'a logo is at most 30 % of the frame\'s height').default(0.12),
  opacity: z.number().min(0.1, 'a logo is at least 10 % opaque').max(1, 'a logo is at most fully opaque').default(0.9),
});
export type LogoPlacement = z.infer<typeof LogoPlacement>;
/** The logo's image as sent by the studio: a PNG (with its transparency) or a JPEG, small enough for one message. */
export const LOGO_MAX_BYTES = 192 * 1024;
export const LogoImage = z.object({
  type: z.enum(['image/png', 'image/jpeg'], 'a logo is a PNG or a JPEG image'),
  data: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'the logo\'s image must be sent as bytes')
    .refine((d) => d.byteLength > 0, 'the logo\'s image is empty')
    .refine((d) => d.byteLength <= LOGO_MAX_BYTES, `a logo is at most ${LOGO_MAX_BYTES / 1024} kB (a logo needs no more than a few hundred pixels)`),
});
export type LogoImage = z.infer<typeof LogoImage>;
/** The logo as the studio shows it: where it sits and, once uploaded, its image's size. */
/** `error`: the program mixer could not show this image (it is off the program until another is chosen), and why. */
export type LogoView = { placement: LogoPlacement; image?: { width: number; height: number; type: LogoImage['type']; version: number }; error?: string };

/** Which graphics are on the program, which change with the next shot, and what they say. */
export type GraphicsView = { onAir: GraphicName[]; withNextShot: GraphicName[]; text: GraphicsText; logo: LogoView };

/** The program mixer: composing the program, starting, or down (the program is the on-air camera's own picture meanwhile, and why). */
/** `preview`: the shot in preview as the mixer composes it (layout, graphics), while it composes the program. */
export type MixerView = { state: 'on' | 'starting' | 'down'; reason?: string; preview?: ProducerRef };

export type ProgramView = {
  preview?: string;
  /** what is on air now */
  program?: string;
  /** cut asked, waiting for that source's keyframe */
  pending?: string;
  /** the cut is taking longer than a second: why */
  slow?: string;
  /** the last cut that did not happen, and why (until the next cut or preview) */
  abandoned?: { source: string; reason: string; at: number };
  /** the slate went on air by itself: from which source, and why; backAt once that source sends again */
  fallback?: { from: string; reason: string; backAt?: number };
  /** the program has no picture (nothing can be on air): says why, for an alarm nobody can miss */
  alarm?: string;
  /** the program itself, for the program monitor */
  video: ProducerRef;
  audio: ProducerRef;
  /** the slate's picture, for the preview monitor when the slate is in preview */
  slate?: ProducerRef;
  /** the program mixer's state (absent when the show runs without one: REGIE_MIXER=off) */
  mixer?: MixerView;
  /** the graphics (absent without the mixer) */
  graphics?: GraphicsView;
  /** how the slate goes on air over a stalled camera (absent without the mixer: a cut) */
  slateTransition?: SlateTransition;
  /** the layout of the shot in preview, taken with it, and of the shot on air */
  previewLayout?: Layout;
  programLayout?: Layout;
};

/** The time the show counts down to (the New Year), and what it is called on screen. */
export type Countdown = { at: number; label: string };

// ---- the watch page ------------------------------------------------------------
/** Who may watch: anyone with the address, or only those given the viewer link. */
export const WatchAccess = z.enum(['public', 'link']);
/** What opens the program for viewers: the viewer link's token, or "public" while anyone may watch. */
export const ViewerKey = z.string().regex(/^(public|[A-Za-z0-9_-]{22,64})$/, 'not a viewer link: ask the show for its watch page address');
/** The watch page's request for the show's state (a query string: ?v=<token>). */
export const WatchQuery = z.object({ v: ViewerKey.optional() });

/** What the watch page shows: public, so nothing of the show's setup. */
export type WatchState = {
  showName: string;
  /** starting-soon: not live yet (or no picture yet); on-air: the player has a program; ended: after End live */
  state: 'starting-soon' | 'on-air' | 'ended';
  countdown?: Countdown;
  /** the HLS playlist's path, while on air */
  playlist?: string;
  /** the WHEP endpoint's path, while on air: the program in well under a second (?low-latency) */
  whep?: string;
};

/** The watch page as the director sees it. */
export type WatchView = {
  access: z.infer<typeof WatchAccess>;
  /** the address to give viewers (with the viewer link's token when access is by link) */
  link: string;
  /** the HLS program: off (not live), starting (no segment yet), on; and why it failed, if it did */
  hls: { state: 'off' | 'starting' | 'on'; segments: number; viewers: number; error?: string };
  /** the low-latency watch page (WHEP): its address and how many players are connected */
  whep: { link: string; viewers: number };
};

export type ShowView = {
  showName: string;
  /** when the show went live (Go live), while it is */
  liveSince?: number;
  /** the target time the director set, shown on the studio's and the cameras' screens */
  countdown?: Countdown;
  program?: ProgramView;
  destinations?: DestinationView[];
  /** the program encoder is running and feeding the destinations */
  encoding?: boolean;
  /** the recording of the show in progress, if live; error: why it stopped (disk full…), with the free space */
  recording?: { file: string; bytes: number; error?: string };
  /** where phones reach the server (the LAN URL): invite links start with it */
  publicUrl: string;
  slots: SlotView[];
  watch?: WatchView;
};

/** The camera link for a slot: the token rides in the fragment, never sent in HTTP requests. */
export const inviteLink = (publicUrl: string, token: string): string => `${publicUrl}/camera#token=${token}`;

export type RouterCapabilities = { rtpCapabilities: unknown };

/** What a camera page learns on joining: its slot and how to talk to the SFU. */
export type CameraWelcome = {
  slotId: string;
  slotName: string;
  routerRtpCapabilities: unknown;
  /** the transport the SFU still holds for this slot (a page coming back can restart ICE on it) */
  transportId?: string;
  /** the show's countdown, if the director set one */
  countdown?: Countdown;
};

export interface DirectorServerEvents {
  'show:state': (show: ShowView) => void;
  'router:capabilities': (caps: RouterCapabilities) => void;
  'transport:closed': (info: { transportId: string }) => void;
  'consumer:closed': (info: { consumerId: string }) => void;
  'protocol-error': (err: ProtocolError) => void;
}

export interface CameraServerEvents {
  'camera:welcome': (welcome: CameraWelcome) => void;
  /** The SFU lost the media path (its worker died): tear down and publish again. */
  'session:reset': (info: { reason: string; routerRtpCapabilities: unknown }) => void;
  /** Another page joined with the same invite: this one stops. */
  'session:replaced': (info: { reason: string }) => void;
  /** A message from the director, shown large until the operator acknowledges it. */
  talkback: (message: TalkbackMessage) => void;
  /** The director asks for another capture quality. */
  'quality:set': (quality: CameraQuality) => void;
  /** The tally light: on air, in preview, or neither. */
  tally: (info: { state: 'program' | 'preview' | 'idle' }) => void;
  /** The director set (or cleared: null) the show's countdown. */
  countdown: (countdown: Countdown | null) => void;
  'protocol-error': (err: ProtocolError) => void;
}

/** The reason a connection was refused, sent as the connect_error message. */
export const AUTH_ERRORS = {
  missingSecret: 'The director secret is missing. Open the director link printed by the server, or enter the secret.',
  wrongSecret: 'The director secret is wrong. Use the one printed by the server at start (also in its data folder).',
  missingToken: 'This camera link has no invite token. Ask the director for the camera link or QR code.',
  malformedToken: 'This camera link is damaged (the invite token is incomplete). Scan the QR code again or ask for a new link.',
  unknownToken: 'This camera link is no longer valid: its slot was removed or the link was replaced. Ask the director for a new link.',
  throttled: (seconds: number) => `Too many wrong tries from this address: wait ${seconds} s before trying again.`,
} as const;
