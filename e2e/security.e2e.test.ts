// Authentication that holds against a patient attacker, pages that only talk to Régie,
// and secrets that stay on the machine: the real server, attacked over real sockets.
import { request as httpsRequest } from 'node:https';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RegieServer } from '../testkit/server.js';

let server: RegieServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

/** Connects to a namespace; resolves with 'connected' or the refusal's message, and the socket. */
function attempt(namespace: string, auth: object, headers: Record<string, string> = {}): Promise<{ outcome: string; socket: Socket }> {
  const socket = io(`${server.url}${namespace}`, { auth, transports: ['websocket'], rejectUnauthorized: false, reconnection: false, forceNew: true, extraHeaders: headers });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ outcome: 'connected', socket }));
    socket.once('connect_error', (err) => resolve({ outcome: err.message, socket }));
  });
}

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${server.url}${path}`, { rejectUnauthorized: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pages talk only to Régie', () => {
  it('pages carry a content security policy that loads nothing from elsewhere, and cannot be framed', async () => {
    const res = await get('/studio');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    // A self-signed certificate: no HSTS, or browsers could never accept it.
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('a page from another web site is refused, over HTTP and socket.io', async () => {
    expect((await get('/healthz', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await get('/healthz', { Origin: server.url })).status).toBe(200);
    const foreign = await attempt('/director', { secret: server.secret }, { Origin: 'https://evil.example' });
    expect(foreign.outcome).not.toBe('connected');
    const own = await attempt('/director', { secret: server.secret }, { Origin: server.url });
    expect(own.outcome).toBe('connected');
    own.socket.disconnect();
  });
});

describe('a patient attacker', () => {
  it('guessing the director secret gets a handful of tries, each refused connection is closed, the burst is logged once', async () => {
    const started = Date.now();
    const outcomes: string[] = [];
    let closedEngines = 0;
    // As fast as it can for 5 s, one connection after another (4,800 guesses a second before).
    while (Date.now() - started < 5000) {
      const { outcome, socket } = await attempt('/director', { secret: `guess-${outcomes.length}-xxxxxxxx` });
      outcomes.push(outcome);
      // The server closes the refused connection itself: nothing is parked.
      await new Promise<void>((resolve) => {
        if (socket.io.engine?.readyState === 'closed') return resolve();
        socket.io.engine?.once('close', () => resolve());
      });
      closedEngines++;
      socket.close();
    }
    const checked = outcomes.filter((o) => /secret is wrong/.test(o)).length;
    const throttled = outcomes.filter((o) => /Too many wrong tries/.test(o)).length;
    console.log(`5 s of guessing: ${outcomes.length} attempts, ${checked} secrets checked, ${throttled} refused unchecked`);
    expect(checked).toBeLessThanOrEqual(9); // 5 free, then waits of 1, 2, 4 s…
    expect(throttled).toBeGreaterThan(0);
    expect(closedEngines).toBe(outcomes.length);
    const logged = server.logLines().filter((l) => String(l.msg).startsWith('director refused: wrong secret'));
    expect(logged.length).toBe(1);
    expect(JSON.stringify(logged)).not.toContain('guess-');
  }, 30000);
});
