import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeRtmp } from './PeerProbe.js';

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

async function listen(onConnection: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(onConnection!);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('probeRtmp', () => {
  it('is ok when the server answers the handshake', async () => {
    const port = await listen((s) => s.once('data', () => s.write(Buffer.from([3]))));
    expect(await probeRtmp(`rtmp://127.0.0.1:${port}/live`)).toEqual({ ok: true, why: undefined });
  });

  it('fails when the server accepts the connection but never answers (frozen)', async () => {
    const port = await listen((s) => s.pause());
    const r = await probeRtmp(`rtmp://127.0.0.1:${port}/live`, 300);
    expect(r.ok).toBe(false);
    expect(r.why).toMatch(/did not answer/);
  });

  it('fails when nothing listens', async () => {
    const port = await listen(() => undefined);
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    expect((await probeRtmp(`rtmp://127.0.0.1:${port}/live`, 500)).ok).toBe(false);
  });
});
