// Régie's server: one Node process, one HTTPS port, serving the studio pages,
// the signaling (socket.io) and the SFU (mediasoup workers).
import { createServer } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { NAMESPACES } from '../../shared/src/protocol.js';
import { lanAddress, loadConfig } from './config.js';
import { CannotStart } from './errors.js';
import { createApp } from './http/app.js';
import { originAllowed } from './http/origins.js';
import { loadCertificate } from './http/certificate.js';
import { createLogger } from './log.js';
import { WorkerPool } from './media/WorkerPool.js';
import { Show } from './show/Show.js';
import { serveCameras } from './signaling/cameraNamespace.js';
import { serveDirectors } from './signaling/directorNamespace.js';
import { loadDirectorSecret } from './store/directorSecret.js';
import { secureDataDir } from './store/dataDir.js';
import { EXIT_CANNOT_START } from './process/exitCodes.js';
import { procHidesOthers } from './process/procMount.js';

const studioDir = fileURLToPath(new URL('../../dist/studio', import.meta.url));

// Whatever Régie writes (database and its -wal/-shm, recordings, certificate) is
// readable by its owner only: they hold stream keys, tokens and the show.
process.umask(0o077);

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // A promise nobody awaited must not take every camera and destination down with it:
  // it is a bug to fix, logged as such, while the show goes on.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: (reason as Error)?.message ?? String(reason), stack: (reason as Error)?.stack }, 'unhandled rejection (a bug: please report it); the server keeps running');
  });
  if (!procHidesOthers()) {
    log.warn('other users of this machine can read the stream keys of running destinations in the process list (ffmpeg\'s command line): ' +
      'mount /proc with hidepid=invisible (mount -o remount,hidepid=invisible /proc), or run Régie on a machine of its own');
  }
  const tightened = secureDataDir(config.dataDir);
  if (tightened.length) log.warn({ dataDir: config.dataDir, tightened: tightened.length }, 'the data dir held files others could read; made them owner-only');
  const { secret, generated, file: secretFile } = loadDirectorSecret(config.dataDir, config.directorSecret);
  const pool = await WorkerPool.create(config.workers, config.rtc, log);
  const show = await Show.open(config, pool, log);

  const lan = lanAddress();
  const certificate = await loadCertificate({
    dataDir: config.dataDir, configured: config.tls, log,
    addresses: [lan, config.rtc.announcedIp].filter((a): a is string => Boolean(a)),
  });
  let allowedOrigins = config.allowedOrigins; // the public URL's port is known once listening
  const app = createApp({
    studioDir, health: () => ({ workers: pool.pids.length, slots: show.view().slots.length }),
    allowedOrigins: () => allowedOrigins, hsts: !certificate.selfSigned,
    watch: { state: (key) => show.watch.state(key), hlsFile: (key, name, client) => show.watch.hlsFile(key, name, client) },
    whip: { publicUrl: () => show.publicUrl, slotForInvite: (token) => show.slotForInvite(token), whip: show.whip },
    whep: { publicUrl: () => show.publicUrl, opens: (key) => show.watch.opens(key), onAir: () => show.watch.onAir, whep: show.whep },
    log,
  });
  const server = createServer({ cert: certificate.cert, key: certificate.key }, app);
  const io = new Server(server, {
    // A page from another web site must not drive the studio through a director's browser.
    allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin, req.headers.host, allowedOrigins)),
    // Short heartbeats: a phone that vanished is noticed in seconds, not in a minute.
    pingInterval: 2000,
    pingTimeout: 3000,
    maxHttpBufferSize: 256 * 1024,
    serveClient: false,
  });
  serveDirectors(io.of(NAMESPACES.director), { show, secret, log });
  serveCameras(io.of(NAMESPACES.camera), { show, log });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const publicUrl = config.publicUrl.replace(`:${config.port}`, `:${port}`);
  show.publicUrl = publicUrl;
  allowedOrigins = [...allowedOrigins, new URL(publicUrl).origin];
  // Back from a crash: the show resumes by itself (cameras rejoin their slots on their own).
  show.resume();
  log.info({ port, workers: config.workers, dataDir: config.dataDir, selfSigned: certificate.selfSigned }, 'Régie is running');

  // The banner is for the person at the terminal. The secret is shown once, when it is
  // generated, in the URL fragment (browsers never send a fragment to a server).
  const directorLine = generated
    ? `${publicUrl}/studio#secret=${secret}\n             (new director secret, saved in ${secretFile}; shown only this once)`
    : `${publicUrl}/studio  (director secret: ${secretFile ? `in ${secretFile}` : 'REGIE_DIRECTOR_SECRET'})`;
  process.stderr.write([
    '',
    `  Régie is running — show "${config.showName}"`,
    `  Director:  ${directorLine}`,
    `  LAN:       ${lan ? `https://${lan}:${port}` : 'no LAN address found (phones cannot reach this machine)'}`,
    certificate.selfSigned ? `  TLS:       self-signed certificate (${certificate.file}); browsers ask to accept it once` : '',
    '',
  ].filter((l, i, all) => l !== '' || i === 0 || i === all.length - 1).join('\n') + '\n');

  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    io.close();
    show.close();
    pool.close();
    server.close();
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof CannotStart) {
    process.stderr.write(`Régie cannot start: ${err.message}\n`);
    process.exit(EXIT_CANNOT_START); // a person must fix it: the supervisor does not retry
  }
  process.stderr.write(`Régie failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
