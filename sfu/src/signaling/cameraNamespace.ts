// The camera operator's socket: authenticated by its slot's invite token, it can
// publish into that slot only, and never sees the show or anyone's secrets.
import type { Namespace, Socket } from 'socket.io';
import type { types } from 'mediasoup';
import { AUTH_ERRORS, type CameraServerEvents } from '../../../shared/src/protocol.js';
import { cameraRequests, type CameraClientEvents } from '../../../shared/src/requests.js';
import { CameraSession } from '../ingest/CameraSession.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import type { Show } from '../show/Show.js';
import type { Switcher } from '../switcher/Switcher.js';
import { INVITE_TOKEN_PATTERN } from '../store/ShowStore.js';
import { AuthThrottle } from './AuthThrottle.js';
import { serveRequests } from './requests.js';

type CameraSocket = Socket<CameraClientEvents, CameraServerEvents, Record<string, never>, { slotId: string }>;

export function serveCameras(nsp: Namespace<CameraClientEvents, CameraServerEvents>, deps: {
  show: Show; pool: WorkerPool; switcher: Switcher; stallMs: number; rejoinGraceMs: number; log: Logger;
}): void {
  const { show, pool, switcher } = deps;
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
    socket.data.slotId = slot.id;
    next();
  });

  // One seat per slot: the camera session, and the page driving it now (none while it
  // is away after a dropped connection; the session waits for it for a while).
  type Seat = { session: CameraSession; socket?: CameraSocket; grace?: NodeJS.Timeout };
  const seats = new Map<string, Seat>();
  const socketOf = (slotId: string) => seats.get(slotId)?.socket;

  // Tally: every camera page hears whether it is on air or in preview.
  const tallies = new Map<string, string>();
  switcher.on('changed', () => {
    for (const [slotId, { socket }] of seats) {
      if (!socket) continue;
      const state = switcher.tally(slotId);
      if (tallies.get(slotId) === state) continue;
      tallies.set(slotId, state);
      socket.emit('tally', { state });
    }
  });

  show.on('talkback', (slotId, message) => socketOf(slotId)?.emit('talkback', message));
  show.on('quality', (slotId, quality) => socketOf(slotId)?.emit('quality:set', quality));

  show.on('inviteRevoked', (slotId) => {
    const seat = seats.get(slotId);
    if (!seat) return;
    const socket = seat.socket;
    leave(slotId, 'its invite link was revoked');
    socket?.emit('session:replaced', { reason: AUTH_ERRORS.unknownToken });
    socket?.disconnect(true);
  });

  /** The slot's camera is gone for good: offline, media released. */
  const leave = (slotId: string, reason: string) => {
    const seat = seats.get(slotId);
    if (!seat) return;
    clearTimeout(seat.grace);
    seats.delete(slotId);
    show.detach(seat.session, reason);
    seat.session.close();
  };

  const openSeat = (slotId: string): Seat => {
    const slog = log.child({ slot: slotId });
    const session = new CameraSession(slotId, pool, { log: slog, stallMs: deps.stallMs });
    session.on('lost', (reason) => {
      // The page publishes again; its next transport lands on a live worker.
      slog.warn({ reason }, 'camera lost its media path; asking the page to publish again');
      socketOf(slotId)?.emit('session:reset', { reason, routerRtpCapabilities: pool.rtpCapabilities });
    });
    session.on('produced', (producer, router) => {
      const name = show.view().slots.find((s) => s.id === slotId)?.name ?? slotId;
      switcher.addProducer(slotId, name, producer, router).catch((err: Error) =>
        slog.error({ err: err.message }, 'could not bring the camera into the program router'));
    });
    show.attach(session);
    const seat: Seat = { session };
    seats.set(slotId, seat);
    return seat;
  };

  nsp.on('connection', (socket: CameraSocket) => {
    const slotId = socket.data.slotId;
    const clog = log.child({ slot: slotId, camera: socket.id });
    const seat = seats.get(slotId) ?? openSeat(slotId);
    const previous = seat.socket;
    clearTimeout(seat.grace);
    seat.grace = undefined;
    seat.socket = socket;
    if (previous) {
      // The operator reopened the link (or a second device took over): newest wins.
      previous.emit('session:replaced', { reason: 'This camera link was opened on another page or device, which now sends in this slot.' });
      previous.disconnect(true);
    }
    const session = seat.session;
    if (session.away) clog.info('camera reconnected within its grace period');
    session.signallingBack();
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

    const slot = show.view().slots.find((s) => s.id === slotId);
    const transportId = session.transportId;
    socket.emit('camera:welcome', { slotId, slotName: slot?.name ?? '', routerRtpCapabilities: pool.rtpCapabilities, ...(transportId ? { transportId } : {}) });
    tallies.set(slotId, switcher.tally(slotId));
    socket.emit('tally', { state: switcher.tally(slotId) });
    const pending = show.pendingTalkback(slotId);
    if (pending) socket.emit('talkback', pending); // sent while the phone was away

    socket.on('disconnect', (reason) => {
      if (seat.socket !== socket || seats.get(slotId) !== seat) return; // replaced by a newer page
      seat.socket = undefined;
      // A page that closed says goodbye (its socket closes cleanly); a phone that lost
      // its network just goes silent, and gets its slot kept while it comes back.
      const closed = reason === 'client namespace disconnect' || reason === 'transport close' || reason === 'server namespace disconnect';
      if (closed) {
        clog.info({ reason }, 'camera left');
        leave(slotId, 'the camera page was closed');
        return;
      }
      clog.warn({ reason, graceMs: deps.rejoinGraceMs }, 'camera connection lost; keeping its slot while it comes back');
      session.signallingLost();
      seat.grace = setTimeout(() => {
        clog.warn('camera did not come back in time');
        leave(slotId, `lost its connection (${reason}) and did not come back within ${Math.round(deps.rejoinGraceMs / 1000)} s`);
      }, deps.rejoinGraceMs);
    });
  });
}
