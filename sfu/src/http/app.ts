// The HTTP side: the studio's pages, a health check, the watch page's program and
// state (watchRoutes.ts), and cameras from encoders (whipRoutes.ts). Everything the
// studio does goes over socket.io (see signaling/); the HTTP payloads (the watch page's
// query, WHIP's SDP) are checked by their schemas from shared/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { originAllowed } from './origins.js';
import { watchRoutes, type WatchSource } from './watchRoutes.js';
import { whipRoutes, type WhipSource } from './whipRoutes.js';
import { whepRoutes, type WhepSource } from './whepRoutes.js';
import type { Logger } from '../log.js';

export const PAGE_ROUTES = ['/studio', '/camera', '/watch'];

export function createApp(opts: {
  studioDir: string;
  health: () => object;
  allowedOrigins: () => readonly string[];
  /** HSTS only with a real certificate: with a self-signed one it would stop browsers from accepting it */
  hsts: boolean;
  watch: WatchSource;
  whip: WhipSource;
  whep: WhepSource;
  log: Logger;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  // The pages load nothing from elsewhere, are never framed, and only talk to this server.
  app.use(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'], // hls.js demuxes in a worker it makes from a blob
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: opts.hsts ? { maxAge: 31_536_000 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  }));
  // The program for viewers is open to any site (players elsewhere, a CDN): before the origin check.
  app.use(watchRoutes(opts.watch));
  // Encoders publish from anywhere (OBS is no web page; a web encoder may be on another
  // site): WHIP checks its Bearer token instead of the origin.
  app.use(whipRoutes(opts.whip, opts.log));
  app.use(whepRoutes(opts.whep, opts.log));
  app.use((req, res, next) => {
    if (originAllowed(req.headers.origin, req.headers.host, opts.allowedOrigins())) return next();
    res.status(403).json({ error: { code: 'forbidden-origin', message: 'Requests from other web sites are refused. Add the site to REGIE_ALLOWED_ORIGINS if it is yours.' } });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, ...opts.health() });
  });
  app.get('/', (_req, res) => res.redirect('/studio'));
  const index = join(opts.studioDir, 'index.html');
  for (const route of PAGE_ROUTES) {
    app.get(route, (_req, res) => {
      if (!existsSync(index)) {
        res.status(503).type('text').send('The studio is not built. Run `npm start` (it builds it) or `npm run build:studio`.');
        return;
      }
      res.sendFile(index);
    });
  }
  app.use(express.static(opts.studioDir, { index: false, maxAge: '1h' }));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not-found', message: 'No such page. The studio is at /studio.' } });
  });
  return app;
}
