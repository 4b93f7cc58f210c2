// The camera operator's socket: authenticated by its slot's invite token, it can
// publish into that slot only, and never sees the show or anyone's secrets. A thin
// adapter: what a joining, leaving or dropping camera means is the show's to decide.
import type { Namespace, Socket } from 'socket.io';
import type { types } from 'mediasoup';
import { AUTH_ERRORS, type CameraServerEvents } from '../../../shared/src/protocol.js';
import { cameraRequests, type CameraClientEvents } from '../../../shared/src/requests.js';
import type { CameraPage } from '../ingest/CameraSeats.js';
import type { Logger } from '../log.js';
import type { Show } from '../show/Show.js';
import { INVITE_TOKEN_PATTERN } from '../store/ShowStore.js';
import { AuthThrottle } from './AuthThrottle.js';
import { serveRequests } from './requests.js';

type CameraSocket = Socket<CameraClientEvents, CameraServerEvents, Record<string, never>, { slotId: string }>;

/** socket.io's words for a page that closed on purpose; anything else is a connection lost. */
const GOODBYES = new Set(['client namespace disconnect', 'transport close', 'server namespace disconnect']);

export function serveCameras(nsp: Namespace<CameraClientEvents, CameraServerEvents>, deps: { show: Show; log: Logger }): void {
  const { show } = deps;
  const log = deps.log.child({ module: 'camera' });

  const throttle = new AuthThrottle();
  nsp.use((socket, next) => {
    const address = socket.handshake.address;
    const refuse = (message: string) => {
      next(new Error(message));
      setTimeout(() => socket.conn.close(), 100).unref(); // closed, not parked
    };
    const wait = throttle.waitMs(address);
    if (wait > 0) return refuse(AUTH_ERRORS.throttled(Math.ceil(wait / 1000)));
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0) return refuse(AUTH_ERRORS.missingToken);
    if (!INVITE_TOKEN_PATTERN.test(token)) return refuse(AUTH_ERRORS.malformedToken);
    const slot = show.slotForInvite(token);
    if (!slot) {
      const { burstStart, failures } = throttle.failed(address);
      if (burstStart || failures % 100 === 0) log.warn({ address, failures }, 'camera refused: unknown invite');
      return refuse(AUTH_ERRORS.unknownToken);
    }
    throttle.succeeded(address);
    if (show.slotTakesSrt(slot.id)) return refuse('This camera slot takes an SRT encoder: ask the director for the link of another slot.');
    socket.data.slotId = slot.id;
    next();
  });

  nsp.on('connection', (socket: CameraSocket) => {
    const slotId = socket.data.slotId;
    const clog = log.child({ slot: slotId, camera: socket.id });
    const page: CameraPage = {
      send: (event, ...args) => socket.emit(event, ...args),
      dismiss: (reason) => {
        socket.emit('session:replaced', { reason });
        socket.disconnect(true);
      },
    };
    // Welcomed here, in the same tick as the handlers below: no request can come before them.
    const session = show.cameraJoined(slotId, page);
    clog.info('camera joined');

    serveRequests(socket, cameraRequests, {
      'transport:create': () => session.createTransport(),
      'transport:connect': async ({ transportId, dtlsParameters }) => {
        await session.connect(transportId, dtlsParameters as types.DtlsParameters);
        return {};
      },
      'transport:restartIce': async ({ transportId }) => ({ iceParameters: await session.restartIce(transportId) }),
      produce: async ({ transportId, kind, rtpParameters }) => {
        const producer = await session.produce(transportId, kind, rtpParameters as types.RtpParameters);
        return { producerId: producer.id };
      },
      report: (report) => (session.setReport(report), {}),
      status: (status) => (session.setStatus(status), {}),
      'talkback:ack': ({ messageId }) => (show.ackTalkback(slotId, messageId), {}),
    }, clog);

    socket.on('disconnect', (reason) => {
      // A page that closed says goodbye (its socket closes cleanly); a phone that lost
      // its network just goes silent, and gets its slot kept while it comes back.
      if (GOODBYES.has(reason)) show.cameraClosed(slotId, page, reason);
      else show.cameraLost(slotId, page, reason);
    });
  });
}
