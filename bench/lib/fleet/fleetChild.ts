// One process of a WeriftFleet (see WeriftFleet.ts): hosts WHIP cameras and WHEP
// players as its parent asks, over the IPC channel, and reports what each player
// received. It leaves with its parent, and takes its cameras' ffmpegs along.
import { WhepPlayer } from '../../../testkit/whepPlayer.js';
import { WhipCamera } from '../../../testkit/whipCamera.js';
import type { FleetOps, FleetReply, FleetRequest } from './protocol.js';

const players: WhepPlayer[] = [];
const cameras: WhipCamera[] = [];

async function handle(req: FleetRequest): Promise<FleetOps[typeof req.op]['res']> {
  switch (req.op) {
    case 'play':
      players.push(await WhepPlayer.play(req.endpoint, req.key));
      return;
    case 'publish':
      cameras.push(await WhipCamera.publish(req.endpoint, req.token, req.source));
      return;
    case 'received':
      return { at: Date.now(), frames: players.map((p) => p.received.videoFrames) };
    case 'close':
      await closeAll();
  }
}

async function closeAll(): Promise<void> {
  await Promise.all([...players.splice(0).map((p) => p.stop().catch(() => 0)), ...cameras.splice(0).map((c) => c.close().catch(() => undefined))]);
}

process.on('message', (req: FleetRequest) => {
  handle(req).then(
    (data) => process.send?.({ id: req.id, ok: true, data } satisfies FleetReply),
    (err: unknown) => process.send?.({ id: req.id, ok: false, error: (err as Error).message } satisfies FleetReply),
  );
});
// Parent gone: leave, even if a DELETE hangs.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), 5000).unref();
  void closeAll().finally(() => process.exit(0));
});
// A crash must not leave looping ffmpegs behind (close() kills each one first, synchronously).
process.on('uncaughtException', (err) => {
  process.stderr.write(`fleet process: ${err.stack ?? String(err)}\n`);
  for (const c of cameras) void c.close().catch(() => undefined);
  process.exit(1);
});
process.send!({ id: 0, ok: true, data: 'ready' } satisfies FleetReply);
