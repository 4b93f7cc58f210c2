// WHIP over HTTP (RFC 9725): POST /whip/<slot> with an SDP offer and the slot's invite
// token as Bearer → 201 with the answer, its session's URL (Location) and ETag;
// DELETE on that URL ends it; PATCH carries trickled candidates or an ICE restart.
// Encoders are not web pages: these routes are open to any origin (CORS), and the token
// is what lets a request in. Wrong tokens are slowed down per address, as for pages.
import express, { type Request, type Response, type Router } from 'express';
import { problem, sdpEndpoints, sdpEndpointsEnd, sendSdp } from './sdpHttp.js';
import { AUTH_ERRORS } from '../../../shared/src/protocol.js';
import { SDP_FRAGMENT_TYPE, SDP_TYPE, SdpFragment, SdpOffer, WhipPath, WhipSessionPath } from '../../../shared/src/whip.js';
import { WhipError, type WhipIngest } from '../ingest/whip/WhipIngest.js';
import type { Logger } from '../log.js';
import { AuthThrottle } from '../signaling/AuthThrottle.js';
import { INVITE_TOKEN_PATTERN } from '../store/ShowStore.js';

export type WhipSource = {
  /** the server's public URL: session URLs are given absolute (OBS replaces the whole path with a relative one) */
  publicUrl: () => string;
  slotForInvite: (token: string) => { id: string } | undefined;
  whip: Pick<WhipIngest, 'publish' | 'end' | 'patch'>;
};

export function whipRoutes(source: WhipSource, log: Logger): Router {
  const router = express.Router();
  const throttle = new AuthThrottle();
  const wlog = log.child({ module: 'whip' });

  sdpEndpoints(router, '/whip');

  /** The slot this request's Bearer token opens, or an error response sent. */
  const authorised = (req: Request, res: Response, slotId: string): boolean => {
    const address = req.socket.remoteAddress ?? '';
    const wait = throttle.waitMs(address);
    if (wait > 0) {
      problem(res, 429, AUTH_ERRORS.throttled(Math.ceil(wait / 1000)), { 'Retry-After': String(Math.ceil(wait / 1000)) });
      return false;
    }
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const challenge = { 'WWW-Authenticate': 'Bearer realm="Regie", error="invalid_token"' };
    if (!token) {
      problem(res, 401, 'no Bearer token: give the encoder the slot\'s token (shown in the studio under the slot, "From an encoder")', { 'WWW-Authenticate': 'Bearer realm="Regie"' });
      return false;
    }
    const slot = INVITE_TOKEN_PATTERN.test(token) ? source.slotForInvite(token) : undefined;
    if (!slot || slot.id !== slotId) {
      const { burstStart, failures } = throttle.failed(address);
      if (burstStart || failures % 100 === 0) wlog.warn({ address, failures }, 'WHIP refused: wrong token');
      problem(res, 401, `${AUTH_ERRORS.unknownToken} (the token must be the one of this slot)`, challenge);
      return false;
    }
    throttle.succeeded(address);
    return true;
  };

  const fail = (res: Response, err: unknown) => {
    if (err instanceof WhipError) return problem(res, err.status, err.message);
    wlog.error({ err: (err as Error).message }, 'WHIP request failed');
    problem(res, 500, `Régie could not do this: ${(err as Error).message}`);
  };

  router.post('/whip/:slotId', async (req, res) => {
    const path = WhipPath.safeParse(req.params);
    if (!path.success) return problem(res, 404, 'no such WHIP endpoint: copy the URL from the studio (a slot\'s "From an encoder")');
    if (!authorised(req, res, path.data.slotId)) return;
    if (!req.is(SDP_TYPE)) return problem(res, 415, `the offer must be sent as Content-Type: ${SDP_TYPE}`);
    const offer = SdpOffer.safeParse(req.body);
    if (!offer.success) return problem(res, 400, offer.error.issues[0]!.message);
    try {
      const { resourceId, answer, etag } = await source.whip.publish(path.data.slotId, offer.data);
      sendSdp(res, 201, SDP_TYPE, answer, { Location: `${source.publicUrl()}/whip/${path.data.slotId}/${resourceId}`, ETag: etag });
    } catch (err) {
      fail(res, err);
    }
  });

  router.delete('/whip/:slotId/:sessionId', (req, res) => {
    const path = WhipSessionPath.safeParse(req.params);
    if (!path.success) return problem(res, 404, 'no such WHIP session');
    if (!authorised(req, res, path.data.slotId)) return;
    try {
      source.whip.end(path.data.slotId, path.data.sessionId);
      res.status(200).end();
    } catch (err) {
      fail(res, err);
    }
  });

  router.patch('/whip/:slotId/:sessionId', async (req, res) => {
    const path = WhipSessionPath.safeParse(req.params);
    if (!path.success) return problem(res, 404, 'no such WHIP session');
    if (!authorised(req, res, path.data.slotId)) return;
    if (!req.is(SDP_FRAGMENT_TYPE)) return problem(res, 415, `a PATCH must be sent as Content-Type: ${SDP_FRAGMENT_TYPE}`);
    const fragment = SdpFragment.safeParse(req.body);
    if (!fragment.success) return problem(res, 400, fragment.error.issues[0]!.message);
    try {
      const done = await source.whip.patch(path.data.slotId, path.data.sessionId, req.get('if-match'), fragment.data);
      if (done.status === 204) return void res.status(204).end();
      sendSdp(res, 200, SDP_FRAGMENT_TYPE, done.body, { ETag: done.etag });
    } catch (err) {
      fail(res, err);
    }
  });

  sdpEndpointsEnd(router, '/whip', ['/whip/:slotId', '/whip/:slotId/:sessionId']);
  return router;
}
