// The HTTP side: the studio's pages and a health check. Everything interactive
// goes over socket.io (see signaling/), so there is no HTTP payload to accept.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';

export const PAGE_ROUTES = ['/studio', '/camera', '/watch'];

export function createApp(opts: { studioDir: string; health: () => object }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // The pages never need to be framed or to load code from elsewhere.
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
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
