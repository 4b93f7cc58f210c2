// What `npm start` runs: Régie's server under supervision. If the server dies (kill -9,
// out of memory, a bug), it is started again at once, and the show resumes by itself
// (see store/OnAirStore.ts); cameras rejoin their slots on their own. The server dies
// with the supervisor (parent-death signal), and its own children die with it, so a
// restarted server never meets processes of the last one.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backoffMs } from '../../shared/src/backoff.js';
import { createLogger } from './log.js';
import { EXIT_CANNOT_START } from './process/exitCodes.js';
import { spawnChild } from './process/spawnChild.js';

/** A server that dies sooner than this after starting is crash-looping: back off. */
const STEADY_MS = 10_000;
const FIRST_RESTART_MS = 100;
/** from the second quick death on: a crash loop, backed off */
const LOOP_BACKOFF = { firstMs: 500, maxMs: 10_000 };

const log = createLogger(process.env.REGIE_LOG_LEVEL || 'info').child({ module: 'supervisor' });
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

let server: ChildProcess | undefined;
let stopping = false;
let quickDeaths = 0;
let restarts = 0;

function start(): void {
  const startedAt = Date.now();
  const child = spawnChild(process.execPath, [...process.execArgv, main], { stdio: 'inherit', env: process.env });
  server = child;
  child.once('exit', (code, signal) => {
    server = undefined;
    if (stopping) process.exit(code ?? 0);
    if (code === 0 || code === EXIT_CANNOT_START) process.exit(code); // stopped on purpose, or needs a person
    const ranMs = Date.now() - startedAt;
    quickDeaths = ranMs < STEADY_MS ? quickDeaths + 1 : 0;
    // One early death is not yet a loop (a crash soon after the last one): back at once.
    const delay = quickDeaths <= 1 ? FIRST_RESTART_MS : backoffMs(quickDeaths - 1, LOOP_BACKOFF);
    restarts++;
    log.error({ code, signal, ranS: Math.round(ranMs / 1000), restart: restarts, delayMs: delay }, 'the server stopped unexpectedly; starting it again (the show resumes by itself)');
    setTimeout(start, delay);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
    if (!server) process.exit(0);
    server.kill(signal);
  });
}

start();
