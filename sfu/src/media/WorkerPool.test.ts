// Real mediasoup workers (no browser): the pool spreads load, and replaces a worker
// that dies.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { webRtcTransportOptions } from './webRtcTransport.js';
import { WorkerPool } from './WorkerPool.js';

const log = createLogger('silent');
const rtc = { listenIp: '127.0.0.1', port: 0 };
let pool: WorkerPool | undefined;
afterEach(() => pool?.close());

describe('WorkerPool', () => {
  it('starts the asked number of workers, each with a router that speaks H.264, VP8 and Opus', async () => {
    pool = await WorkerPool.create(2, rtc, log);
    expect(pool.pids).toHaveLength(2);
    const mimes = pool.rtpCapabilities.codecs!.map((c) => c.mimeType);
    expect(mimes).toEqual(expect.arrayContaining(['audio/opus', 'video/H264', 'video/VP8']));
  });

  it('puts each new transport on the least loaded router', async () => {
    pool = await WorkerPool.create(2, rtc, log);
    const a = pool.pick();
    await a.router.createWebRtcTransport(webRtcTransportOptions(a.webRtcServer));
    const b = pool.pick();
    expect(b.router.id).not.toBe(a.router.id);
  });

  it('replaces a worker that dies, on a new process, and says which router went away', async () => {
    pool = await WorkerPool.create(1, rtc, log);
    const [pid] = pool.pids;
    const oldRouter = pool.pick().router;
    const replaced = new Promise<{ deadRouterId: string; routerId: string }>((r) => pool!.once('workerReplaced', r));
    process.kill(pid!, 'SIGKILL');
    const info = await replaced;
    expect(info.deadRouterId).toBe(oldRouter.id);
    expect(oldRouter.closed).toBe(true);
    expect(pool.pids).toHaveLength(1);
    expect(pool.pids[0]).not.toBe(pid);
    expect(pool.find(info.routerId)).toBeDefined();
    expect(pool.find(oldRouter.id)).toBeUndefined();
  });

  it('waits for a replacement when every worker is down', async () => {
    pool = await WorkerPool.create(1, rtc, log);
    const { worker } = pool.pick();
    const died = new Promise((r) => worker.once('died', r));
    process.kill(worker.pid, 'SIGKILL');
    await died; // noticed; its replacement is not up yet
    expect(() => pool!.pick()).toThrow(/no mediasoup worker is running/);
    const place = await pool.pickWhenReady(10000);
    expect(place.router.closed).toBe(false);
  });
});
