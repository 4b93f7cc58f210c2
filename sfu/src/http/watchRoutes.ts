// The watch page's data over plain HTTP, so any CDN can carry it: the show's public
// state (GET /watch/state?v=<key>) and the HLS program (GET /hls/<key>/program.m3u8
// and its segments). The playlist changes every segment: never cached. A segment never
// changes once listed (a new one has a new name): cached for good. Open to any site
// (a player elsewhere, a CDN): they are what a viewer may see anyway.
import express, { type Router } from 'express';
import { ViewerKey, WatchQuery, type WatchState } from '../../../shared/src/protocol.js';

export type WatchSource = {
  /** the state for a viewer with this key; undefined: the key does not open the show */
  state: (key: string | undefined) => WatchState | undefined;
  /** where one file of the HLS program is; undefined: no such file for this key */
  hlsFile: (key: string, name: string, client: { address: string; userAgent: string }) => { dir: string; name: string } | undefined;
};

/** What changes every second or so: kept a second by a CDN, never by a browser. */
const LIVE_CACHE = 'public, max-age=0, s-maxage=1';

const REFUSED = {
  code: 'viewer-link-refused',
  message: 'This watch page needs its viewer link, or the link was replaced by a new one: ask the show for its current link.',
};

export function watchRoutes(source: WatchSource): Router {
  const router = express.Router();
  router.use(['/watch/state', '/hls'], (_req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  router.get('/watch/state', (req, res) => {
    const query = WatchQuery.safeParse(req.query);
    if (!query.success) {
      res.status(400).json({ error: { code: 'invalid', message: query.error.issues[0]!.message } });
      return;
    }
    const state = source.state(query.data.v);
    if (!state) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(403).json({ error: REFUSED });
      return;
    }
    // A CDN answers its viewers from one request a second (s-maxage); browsers ask afresh.
    res.setHeader('Cache-Control', LIVE_CACHE);
    res.json(state);
  });

  router.get('/hls/:key/:file', (req, res) => {
    const key = ViewerKey.safeParse(req.params.key);
    const file = key.success
      ? source.hlsFile(key.data, req.params.file, { address: req.socket.remoteAddress ?? '', userAgent: req.get('user-agent') ?? '' })
      : undefined;
    if (!file) {
      res.setHeader('Cache-Control', 'no-store'); // (a 404 before Go live must not be kept by a CDN)
      res.status(key.success ? 404 : 400).json({ error: key.success ? { code: 'not-found', message: 'No such file of the program (the show may not be on air).' } : REFUSED });
      return;
    }
    const playlist = req.params.file.endsWith('.m3u8');
    // By name within its folder (`root`): the data folder's own path may have dots in it (~/.regie).
    res.sendFile(file.name, {
      root: file.dir,
      dotfiles: 'deny',
      headers: {
        'Content-Type': playlist ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
        // The playlist changes every segment: a second at most in a CDN (which then asks
        // once a second for all its viewers), never in a browser (a player a second late
        // on a one-second segment stalls). A segment never changes once listed.
        'Cache-Control': playlist ? LIVE_CACHE : 'public, max-age=31536000, immutable',
      },
      lastModified: false,
      etag: !playlist,
    }, (err) => {
      // Gone between the check and the read (a segment out of the list, the show ended).
      if (err && !res.headersSent) res.setHeader('Cache-Control', 'no-store').status(404).json({ error: { code: 'not-found', message: 'That part of the program is gone: reload the playlist.' } });
    });
  });
  return router;
}
