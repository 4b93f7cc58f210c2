// The director's socket: authenticated by the director secret; sees the whole show
// (invite tokens included) and watches the cameras through a MultiviewSession. A thin
// adapter: each request is one call to the show.
import type { Namespace } from 'socket.io';
import type { types } from 'mediasoup';
import { AUTH_ERRORS, type DirectorServerEvents } from '../../../shared/src/protocol.js';
import { directorRequests, type DirectorClientEvents } from '../../../shared/src/requests.js';
import type { Logger } from '../log.js';
import { MultiviewSession } from '../multiview/MultiviewSession.js';
import type { Show } from '../show/Show.js';
import { secretMatches } from '../store/directorSecret.js';
import { AuthThrottle } from './AuthThrottle.js';
import { serveRequests } from './requests.js';

export function serveDirectors(nsp: Namespace<DirectorClientEvents, DirectorServerEvents>, deps: {
  show: Show; secret: string; log: Logger;
}): void {
  const { show, secret } = deps;
  const pool = show.pool;
  const log = deps.log.child({ module: 'director' });

  const throttle = new AuthThrottle();
  nsp.use((socket, next) => {
    const address = socket.handshake.address;
    // Refused sockets are closed, not parked: nothing is left open to try again on.
    const refuse = (message: string) => {
      next(new Error(message));
      setTimeout(() => socket.conn.close(), 100).unref();
    };
    const wait = throttle.waitMs(address);
    if (wait > 0) return refuse(AUTH_ERRORS.throttled(Math.ceil(wait / 1000)));
    const given: unknown = socket.handshake.auth?.secret;
    if (typeof given !== 'string' || given.length === 0) return refuse(AUTH_ERRORS.missingSecret);
    if (!secretMatches(given, secret)) {
      const { burstStart, failures } = throttle.failed(address);
      if (burstStart || failures % 100 === 0) log.warn({ address, failures }, 'director refused: wrong secret (further tries from this address wait longer each time)');
      return refuse(AUTH_ERRORS.wrongSecret);
    }
    throttle.succeeded(address);
    next();
  });

  // One coalesced push of the show to every director whenever it changes.
  show.on('changed', () => nsp.emit('show:state', show.view()));

  nsp.on('connection', (socket) => {
    const clog = log.child({ director: socket.id });
    clog.info('director connected');
    const multiview = new MultiviewSession(pool, clog);
    multiview.on('transportClosed', (transportId) => socket.emit('transport:closed', { transportId }));
    multiview.on('consumerClosed', (consumerId) => socket.emit('consumer:closed', { consumerId }));

    serveRequests(socket, directorRequests, {
      'slot:create': ({ name }) => {
        const slot = show.createSlot(name);
        clog.info({ slot: slot.id }, 'slot created');
        return { slotId: slot.id };
      },
      'slot:rename': ({ slotId, name }) => (show.renameSlot(slotId, name), {}),
      'slot:delete': ({ slotId }) => {
        show.deleteSlot(slotId);
        clog.info({ slot: slotId }, 'slot deleted');
        return {};
      },
      'slot:setSrt': ({ slotId, srt }) => {
        show.setSrt(slotId, srt);
        clog.info({ slot: slotId, srt: srt?.mode ?? 'off' }, 'slot SRT input set');
        return {};
      },
      'slot:renewInvite': ({ slotId }) => {
        show.renewInvite(slotId);
        clog.info({ slot: slotId }, 'invite link renewed; the old one no longer works');
        return {};
      },
      'transport:create': ({ routerId }) => multiview.createTransport(routerId),
      'transport:connect': async ({ transportId, dtlsParameters }) => {
        await multiview.connect(transportId, dtlsParameters as types.DtlsParameters);
        return {};
      },
      consume: ({ transportId, producerId, rtpCapabilities }) =>
        multiview.consume(transportId, producerId, rtpCapabilities as types.RtpCapabilities),
      'consumer:resume': async ({ consumerId }) => (await multiview.resume(consumerId), {}),
      'switcher:preview': ({ sourceId }) => (show.switcher.setPreview(sourceId), {}),
      'switcher:cut': () => (show.switcher.cut(), {}),
      'switcher:take': ({ transition }) => (show.switcher.cut(transition), {}),
      'switcher:tbar': ({ position }) => (show.switcher.tbar(position), {}),
      'switcher:slateTransition': ({ transition }) => (show.switcher.setSlateTransition(transition), {}),
      'switcher:layout': ({ layout }) => (show.switcher.setLayout(layout), {}),
      'graphics:set': ({ name, on, withNextShot }) => (show.switcher.setGraphic(name, on, withNextShot), {}),
      'graphics:text': (text) => (show.switcher.setGraphicsText(text), {}),
      'graphics:logoImage': async (image) => (await show.switcher.setLogoImage(image), {}),
      'graphics:logoPlacement': (placement) => (show.switcher.setLogoPlacement(placement), {}),
      'destination:add': (d) => {
        const destinationId = show.addDestination(d);
        clog.info({ destination: destinationId, protocol: d.protocol, hasKey: Boolean(d.streamKey) }, 'destination added');
        return { destinationId };
      },
      'destination:update': ({ destinationId, destination }) => (show.updateDestination(destinationId, destination), {}),
      'destination:remove': ({ destinationId }) => (show.removeDestination(destinationId), {}),
      'destination:start': async ({ destinationId }) => (await show.startDestination(destinationId), {}),
      'destination:stop': ({ destinationId }) => (show.stopDestination(destinationId), {}),
      'destination:test': ({ destinationId, draft }) => show.testDestination(destinationId, draft),
      'show:goLive': async () => (await show.goLive(), {}),
      'watch:setAccess': ({ access }) => (show.watch.setAccess(access), {}),
      'watch:newLink': () => (show.watch.newLink(), {}),
      'show:endLive': () => (show.endLive(), {}),
      'show:setCountdown': ({ at, label }) => (show.setCountdown(at === null ? undefined : new Date(at), label), {}),
      'talkback:send': ({ slotId, text }) => ({ messageIds: show.sendTalkback(text, slotId) }),
      'camera:setQuality': ({ slotId, quality }) => (show.requestQuality(slotId, quality), {}),
    }, clog);

    socket.emit('router:capabilities', { rtpCapabilities: pool.rtpCapabilities });
    socket.emit('show:state', show.view());
    socket.on('disconnect', (reason) => {
      clog.info({ reason }, 'director disconnected');
      multiview.close();
    });
  });
}
