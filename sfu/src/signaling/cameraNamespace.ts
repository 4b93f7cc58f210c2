// The camera operator's socket: authenticated by its slot's invite token, it can
// publish into that slot only, and never sees the show or anyone's secrets.
import type { Namespace, Socket } from 'socket.io';
import type { types } from 'mediasoup';
import {
  AUTH_ERRORS, cameraRequests,
  type CameraResponses, type CameraServerEvents,
} from '../../../shared/src/protocol.js';
import { CameraSession } from '../ingest/CameraSession.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import type { Show } from '../show/Show.js';
import type { Switcher } from '../switcher/Switcher.js';
import { INVITE_TOKEN_PATTERN } from '../store/ShowStore.js';
import { serveRequests } from './requests.js';

type CameraSocket = Socket<Record<string, never>, CameraServerEvents, Record<string, never>, { slotId: string }>;

export function serveCameras(nsp: Namespace<Record<string, never>, CameraServerEvents>, deps: {
  show: Show; pool: WorkerPool; switcher: Switcher; stallMs: number; log: Logger;
}): void {
  const { show, pool, switcher } = deps;
  const log = deps.log.child({ module: 'camera' });
  const sockets = new Map<string, CameraSocket>(); // slot id → the page publishing in it

  nsp.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0) return next(new Error(AUTH_ERRORS.missingToken));
    if (!INVITE_TOKEN_PATTERN.test(token)) return next(new Error(AUTH_ERRORS.malformedToken));
    const slot = show.slotForInvite(token);
    if (!slot) {
      log.warn({ address: socket.handshake.address }, 'camera refused: unknown invite');
      return next(new Error(AUTH_ERRORS.unknownToken));
    }
    socket.data.slotId = slot.id;
    next();
  });

  // Tally: every camera page hears whether it is on air or in preview.
  const tallies = new Map<string, string>();
  switcher.on('changed', () => {
    for (const [slotId, socket] of sockets) {
      const state = switcher.tally(slotId);
      if (tallies.get(slotId) === state) continue;
      tallies.set(slotId, state);
      socket.emit('tally', { state });
    }
  });

  show.on('talkback', (slotId, message) => sockets.get(slotId)?.emit('talkback', message));

  show.on('inviteRevoked', (slotId) => {
    const socket = sockets.get(slotId);
    if (!socket) return;
    socket.emit('session:replaced', { reason: AUTH_ERRORS.unknownToken });
    socket.disconnect(true);
  });

  nsp.on('connection', (socket: CameraSocket) => {
    const slotId = socket.data.slotId;
    const clog = log.child({ slot: slotId, camera: socket.id });
    const previous = sockets.get(slotId);
    if (previous) {
      // The operator reopened the link (or a second device took over): newest wins.
      previous.emit('session:replaced', { reason: 'This camera link was opened on another page or device, which now sends in this slot.' });
      previous.disconnect(true);
    }
    sockets.set(slotId, socket);

    const session = new CameraSession(slotId, pool, { log: clog, stallMs: deps.stallMs });
    session.on('lost', (reason) => {
      // The page publishes again; its next transport lands on a live worker.
      clog.warn({ reason }, 'camera lost its media path; asking the page to publish again');
      socket.emit('session:reset', { reason, routerRtpCapabilities: pool.rtpCapabilities });
    });
    session.on('produced', (producer, router) => {
      const name = show.view().slots.find((s) => s.id === slotId)?.name ?? slotId;
      switcher.addProducer(slotId, name, producer, router).catch((err: Error) =>
        clog.error({ err: err.message }, 'could not bring the camera into the program router'));
    });
    show.attach(session);
    clog.info('camera joined');

    serveRequests<typeof cameraRequests, CameraResponses>(socket, cameraRequests, {
      'transport:create': () => session.createTransport(),
      'transport:connect': async ({ transportId, dtlsParameters }) => {
        await session.connect(transportId, dtlsParameters as types.DtlsParameters);
        return {};
      },
      produce: async ({ transportId, kind, rtpParameters }) => {
        const producer = await session.produce(transportId, kind, rtpParameters as types.RtpParameters);
        return { producerId: producer.id };
      },
      report: (report) => (session.setReport(report), {}),
      'talkback:ack': ({ messageId }) => (show.ackTalkback(slotId, messageId), {}),
    }, clog);

    const slot = show.view().slots.find((s) => s.id === slotId);
    socket.emit('camera:welcome', { slotId, slotName: slot?.name ?? '', routerRtpCapabilities: pool.rtpCapabilities });
    tallies.set(slotId, switcher.tally(slotId));
    socket.emit('tally', { state: switcher.tally(slotId) });
    const pending = show.pendingTalkback(slotId);
    if (pending) socket.emit('talkback', pending); // sent while the phone was away

    socket.on('disconnect', (reason) => {
      clog.info({ reason }, 'camera left');
      if (sockets.get(slotId) === socket) sockets.delete(slotId);
      show.detach(session, reason === 'client namespace disconnect' || reason === 'transport close'
        ? 'the camera page was closed' : `connection lost (${reason})`);
      session.close();
    });
  });
}
