// What WHIP and WHEP share over HTTP (RFC 9725, draft-ietf-wish-whep): CORS for clients
// on any origin (encoders and players are not Régie's pages: a token, not the origin,
// lets them in), OPTIONS saying what may be POSTed and PATCHed, bodies read as text
// with a limit, and errors as RFC 9457 problem details (clients log the `detail`).
import express, { type Request, type Response, type Router } from 'express';
import { SDP_FRAGMENT_TYPE, SDP_TYPE } from '../../../shared/src/whip.js';

export const ALLOW = 'OPTIONS, POST, PATCH, DELETE';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 412: 'Precondition Failed',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 428: 'Precondition Required', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function problem(res: Response, status: number, detail: string, headers: Record<string, string> = {}): void {
  res.set({ 'Cache-Control': 'no-store', ...headers }).status(status).type('application/problem+json')
    .send(JSON.stringify({ title: TITLES[status] ?? 'Error', status, detail }));
}

/** CORS, OPTIONS and body reading under `prefix` (/whip, /whep). */
export function sdpEndpoints(router: Router, prefix: string): void {
  router.use(prefix, (req, res, next) => {
    res.set({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': ALLOW,
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
      'Access-Control-Expose-Headers': 'Location, ETag, Link, Accept-Patch, Accept-Post',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (req.method === 'OPTIONS') {
      res.set({ 'Accept-Post': SDP_TYPE, 'Accept-Patch': SDP_FRAGMENT_TYPE, Allow: ALLOW, 'Access-Control-Max-Age': '86400' }).status(204).end();
      return;
    }
    next();
  });
  // Read as text whatever their type; each route checks the type with its own message.
  router.use(prefix, express.text({ type: () => true, limit: '128kb' }));
}

/** After the routes: other methods say which there are, and unreadable bodies say why. */
export function sdpEndpointsEnd(router: Router, prefix: string, paths: string[]): void {
  router.all(paths, (_req, res) => problem(res, 405, `${prefix.slice(1).toUpperCase()} uses ${ALLOW}`, { Allow: ALLOW }));
  router.use(prefix, (err: { status?: number; message?: string }, _req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    problem(res, err.status === 413 ? 413 : 400, err.status === 413 ? 'the body is over 128 kB: that is not an SDP offer' : `the body cannot be read: ${err.message ?? 'unknown error'}`);
  });
}

/** The answer: bytes with the bare type (some clients compare "application/sdp" exactly, no charset). */
export function sendSdp(res: Response, status: number, type: string, body: string, headers: Record<string, string>): void {
  res.set({ ...headers, 'Cache-Control': 'no-store', 'Content-Type': type }).status(status).send(Buffer.from(body));
}
