// WHEP over HTTP (draft-ietf-wish-whep): POST /whep with a player's SDP offer → 201 with
// the answer, its session's URL and ETag; DELETE ends it; PATCH takes trickle and ICE
// restarts. Who may watch is the watch page's rule: anyone while it is public, else the
// viewer link's token as Bearer (or ?v=, as the watch page's own URL carries it).
import express, { type Request, type Router } from 'express';
import { ViewerKey } from '../../../shared/src/protocol.js';
import { SDP_FRAGMENT_TYPE, SDP_TYPE, SdpFragment, SdpOffer, WhepSessionPath } from '../../../shared/src/whip.js';
import type { Logger } from '../log.js';
import { WhepError, type WhepViewers } from '../outputs/whep/WhepViewers.js';
import { problem, sdpEndpoints, sdpEndpointsEnd, sendSdp } from './sdpHttp.js';

export type WhepSource = {
  publicUrl: () => string;
  /** the viewer key opens the watch page (undefined: no key given) */
  opens: (key: string | undefined) => boolean;
  /** the show is on air (there is a program to watch) */
  onAir: () => boolean;
  whep: Pick<WhepViewers, 'play' | 'end' | 'patch'>;
};

/** The viewer key from the Bearer token, or from ?v=; undefined if none (or not a key). */
function viewerKey(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  const key = ViewerKey.safeParse(bearer ?? req.query.v);
  return key.success ? key.data : undefined;
}

export function whepRoutes(source: WhepSource, log: Logger): Router {
  const router = express.Router();
  const wlog = log.child({ module: 'whep' });
  sdpEndpoints(router, '/whep');

  const fail = (res: express.Response, err: unknown) => {
    if (err instanceof WhepError) return problem(res, err.status, err.message, err.status === 409 || err.status === 503 ? { 'Retry-After': '5' } : {});
    wlog.error({ err: (err as Error).message }, 'WHEP request failed');
    problem(res, 500, `Régie could not do this: ${(err as Error).message}`);
  };
  const refused = (res: express.Response) =>
    problem(res, 401, 'this show\'s watch page needs its viewer link: give its token as the Bearer token (or ?v=)', { 'WWW-Authenticate': 'Bearer realm="Regie"' });

  router.post('/whep', async (req, res) => {
    if (!source.opens(viewerKey(req))) return refused(res);
    if (!req.is(SDP_TYPE)) return problem(res, 415, `the offer must be sent as Content-Type: ${SDP_TYPE}`);
    const offer = SdpOffer.safeParse(req.body);
    if (!offer.success) return problem(res, 400, offer.error.issues[0]!.message);
    // Nobody is publishing yet (WHEP's 409): the watch page says when it starts.
    if (!source.onAir()) return problem(res, 409, 'the show is not on air yet: try again when it is', { 'Retry-After': '5' });
    try {
      const { resourceId, answer, etag } = await source.whep.play(offer.data);
      sendSdp(res, 201, SDP_TYPE, answer, { Location: `${source.publicUrl()}/whep/${resourceId}`, ETag: etag });
    } catch (err) {
      fail(res, err);
    }
  });

  // The session's URL is its secret (128 random bits): it is what DELETE and PATCH need.
  router.delete('/whep/:sessionId', (req, res) => {
    const path = WhepSessionPath.safeParse(req.params);
    if (!path.success) return problem(res, 404, 'no such WHEP session');
    try {
      source.whep.end(path.data.sessionId);
      res.status(200).end();
    } catch (err) {
      fail(res, err);
    }
  });

  router.patch('/whep/:sessionId', async (req, res) => {
    const path = WhepSessionPath.safeParse(req.params);
    if (!path.success) return problem(res, 404, 'no such WHEP session');
    if (!req.is(SDP_FRAGMENT_TYPE)) return problem(res, 415, `a PATCH must be sent as Content-Type: ${SDP_FRAGMENT_TYPE}`);
    const fragment = SdpFragment.safeParse(req.body);
    if (!fragment.success) return problem(res, 400, fragment.error.issues[0]!.message);
    try {
      const done = await source.whep.patch(path.data.sessionId, req.get('if-match'), fragment.data);
      if (done.status === 204) return void res.status(204).end();
      sendSdp(res, 200, SDP_FRAGMENT_TYPE, done.body, { ETag: done.etag });
    } catch (err) {
      fail(res, err);
    }
  });

  sdpEndpointsEnd(router, '/whep', ['/whep', '/whep/:sessionId']);
  return router;
}
