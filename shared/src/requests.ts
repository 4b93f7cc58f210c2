// Every request a page may make, one table per namespace: the schema its payload must
// pass (the server validates each one before acting) and what it answers. The server's
// handlers and the studio's requester are both typed from these tables.
import { z } from 'zod';
import { DtlsParameters, MediaId, RtpCapabilities, RtpParameters } from './mediaSchemas.js';
import {
  CameraQuality, CameraStatus, DestinationId, DestinationInput, GraphicName, GraphicsText, Layout, LogoImage, LogoPlacement, MediaKind, SlateTransition, SlotId, SlotName, SourceId, Text, Transition, WatchAccess,
  type ConsumerInfo, type DestinationTest, type TransportInfo,
} from './protocol.js';
import { request, type ClientEvents, type Done } from './requestTable.js';
import { SrtIngestInput } from './srtIngest.js';

export const directorRequests = {
  'slot:create': request(z.object({ name: SlotName })).answers<{ slotId: string }>(),
  'slot:rename': request(z.object({ slotId: SlotId, name: SlotName })).answers<Done>(),
  'slot:delete': request(z.object({ slotId: SlotId })).answers<Done>(),
  'slot:renewInvite': request(z.object({ slotId: SlotId })).answers<Done>(),
  /** The slot takes SRT: Régie listens for the encoder, or calls it; null: no SRT any more. */
  'slot:setSrt': request(z.object({ slotId: SlotId, srt: SrtIngestInput.nullable() })).answers<Done>(),
  'transport:create': request(z.object({ routerId: MediaId })).answers<TransportInfo>(),
  'transport:connect': request(z.object({ transportId: MediaId, dtlsParameters: DtlsParameters })).answers<Done>(),
  consume: request(z.object({ transportId: MediaId, producerId: MediaId, rtpCapabilities: RtpCapabilities })).answers<ConsumerInfo>(),
  'consumer:resume': request(z.object({ consumerId: MediaId })).answers<Done>(),
  'switcher:preview': request(z.object({ sourceId: SourceId })).answers<Done>(),
  'switcher:cut': request(z.object({})).answers<Done>(),
  /** The layout of the shot in preview (full, picture in picture, side by side): it goes on air with it. */
  'switcher:layout': request(z.object({ layout: Layout })).answers<Done>(),
  /** A graphic on or off the program now (with a short fade), or readied to change with the next shot. */
  'graphics:set': request(z.object({ name: GraphicName, on: z.boolean(), withNextShot: z.boolean().default(false) })).answers<Done>(),
  /** What the graphics say (changed live on the program if they are on it). */
  'graphics:text': request(GraphicsText).answers<Done>(),
  /** The show's logo: its image (kept in the data dir), replaced live if it is on the program. */
  'graphics:logoImage': request(LogoImage).answers<Done>(),
  /** Where the logo sits and how opaque it is (moved live if it is on the program). */
  'graphics:logoPlacement': request(LogoPlacement).answers<Done>(),
  /** Preview goes on air with a transition (a mix, a dip): the T key, the TAKE button. */
  'switcher:take': request(z.object({ transition: Transition })).answers<Done>(),
  /** The T-bar: the shot in preview mixed over the program by hand, `position` of the way (0-1); at 1 it is on air. */
  'switcher:tbar': request(z.object({ position: z.number().min(0, 'the T-bar goes from 0 to 1').max(1, 'the T-bar goes from 0 to 1') })).answers<Done>(),
  'switcher:slateTransition': request(z.object({ transition: SlateTransition })).answers<Done>(),
  'destination:add': request(DestinationInput).answers<{ destinationId: string }>(),
  'destination:update': request(z.object({ destinationId: DestinationId, destination: DestinationInput })).answers<Done>(),
  'destination:remove': request(z.object({ destinationId: DestinationId })).answers<Done>(),
  'destination:start': request(z.object({ destinationId: DestinationId })).answers<Done>(),
  'destination:stop': request(z.object({ destinationId: DestinationId })).answers<Done>(),
  /** A few seconds of a test pattern to a destination that is not running: accepted, or why not. */
  /**
   * The pre-flight test: a saved destination (`destinationId`), settings not saved yet
   * (`draft`, from the add form), or both (the edit form: its settings, the saved key
   * where the draft leaves it out).
   */
  'destination:test': request(z.object({ destinationId: DestinationId.optional(), draft: DestinationInput.optional() })
    .refine((t) => t.destinationId !== undefined || t.draft !== undefined, 'name a destination (destinationId) or the settings to test (draft)'))
    .answers<DestinationTest>(),
  'show:goLive': request(z.object({})).answers<Done>(),
  'show:endLive': request(z.object({})).answers<Done>(),
  /** The time the show counts down to, shown on every screen; null clears it. */
  'show:setCountdown': request(z.object({
    at: z.iso.datetime({ offset: true, message: 'the countdown needs a date and time (ISO 8601, e.g. 2026-12-31T23:00:00Z)' }).nullable(),
    label: Text('the countdown\'s name', 40).default('Midnight'),
  })).answers<Done>(),
  /** Who may watch the watch page: anyone with its address, or only with the viewer link. */
  'watch:setAccess': request(z.object({ access: WatchAccess })).answers<Done>(),
  /** A new viewer link: the old one stops working (a link that leaked). */
  'watch:newLink': request(z.object({})).answers<Done>(),
  /** Ask a camera to change its capture quality (the operator sees it change). */
  'camera:setQuality': request(z.object({ slotId: SlotId, quality: CameraQuality })).answers<Done>(),
  /** A short message to one camera operator, or to all when slotId is left out; one message id per camera. */
  'talkback:send': request(z.object({ slotId: SlotId.optional(), text: Text('the message', 200) })).answers<{ messageIds: string[] }>(),
};

export const cameraRequests = {
  'transport:create': request(z.object({})).answers<TransportInfo>(),
  'transport:connect': request(z.object({ transportId: MediaId, dtlsParameters: DtlsParameters })).answers<Done>(),
  produce: request(z.object({ transportId: MediaId, kind: MediaKind, rtpParameters: RtpParameters })).answers<{ producerId: string }>(),
  /** ICE restart on the page's existing transport (network changed): same producers, same slot. */
  'transport:restartIce': request(z.object({ transportId: MediaId })).answers<{ iceParameters: unknown }>(),
  'talkback:ack': request(z.object({ messageId: z.string().regex(/^[a-z0-9]{8,32}$/) })).answers<Done>(),
  status: request(CameraStatus).answers<Done>(),
  report: request(z.object({
    width: z.number().int().min(0).max(8192),
    height: z.number().int().min(0).max(8192),
    fps: z.number().min(0).max(240),
  })).answers<Done>(),
};

export type DirectorRequests = typeof directorRequests;
export type CameraRequests = typeof cameraRequests;

/** What a director page emits, for socket.io's typed sockets. */
export type DirectorClientEvents = ClientEvents<DirectorRequests>;
/** What a camera page emits, for socket.io's typed sockets. */
export type CameraClientEvents = ClientEvents<CameraRequests>;
