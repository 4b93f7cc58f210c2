// Starts the real Régie server (the same entry point as `npm start`) for a test,
// on loopback, with its own data dir, and keeps every line it logs so tests can
// check what reached the logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { descendants } from './processTree.js';
import { testCertificate } from './tlsCert.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export type RegieServer = {
  url: string;
  secret: string;
  dataDir: string;
  process: ChildProcess;
  /** everything the server wrote, stdout and stderr */
  output: () => string;
  /** the structured log lines (JSON) */
  logLines: () => Record<string, unknown>[];
  /** The first log line (already written or to come) that `match` accepts; undefined if none within `timeoutMs`. */
  waitForLog: (match: (line: Record<string, unknown>) => boolean, timeoutMs: number) => Promise<Record<string, unknown> | undefined>;
  workerPids: () => Promise<number[]>;
  /** the server process itself (under the supervisor when supervised) */
  serverPid: () => number;
  /** pids of the server's descendants whose command line has all these parts */
  childPids: (...parts: string[]) => Promise<number[]>;
  stop: () => Promise<void>;
};

/**
 * Starts a server; with `dataDir` given, that folder is used and kept (a restart).
 * `publicHost`: the address camera links point at (default loopback).
 */
export async function startServer(env: Record<string, string> = {}, opts: {
  dataDir?: string;
  publicHost?: string;
  supervised?: boolean;
  /** the recordings folder on a tmpfs of this size, private to the server's own mount namespace (a disk that fills) */
  recordingsDiskKiB?: number;
} = {}): Promise<RegieServer> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'regie-e2e-'));
  const secret = `e2e-director-${Math.random().toString(36).slice(2, 14)}`;
  // As `npm start` runs it (supervised), or the server alone: a kill reaches the server itself.
  const entry = opts.supervised ? 'sfu/src/supervisor.ts' : 'sfu/src/main.ts';
  let command = [process.execPath, '--import', 'tsx', join(root, entry)];
  if (opts.recordingsDiskKiB) {
    const rec = join(dataDir, 'recordings');
    // unshare --mount gives the server a mount table of its own: the small disk exists
    // for it alone and vanishes with it. (Inside the tests' user namespace when not root.)
    command = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      `mkdir -p '${rec}' && mount -t tmpfs -o size=${opts.recordingsDiskKiB}k,mode=700 regie-recordings '${rec}' && exec "$@"`, 'sh', ...command];
  }
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: {
      ...process.env,
      REGIE_HOST: '127.0.0.1',
      REGIE_PORT: String(port),
      REGIE_DATA_DIR: dataDir,
      REGIE_DIRECTOR_SECRET: secret,
      REGIE_RTC_LISTEN_IP: '127.0.0.1',
      REGIE_RTC_PORT: '0',
      REGIE_PUBLIC_URL: `https://${opts.publicHost ?? '127.0.0.1'}:${port}`,
      // The test receivers' RTMPS certificate, trusted as a platform's real one would be.
      NODE_EXTRA_CA_CERTS: testCertificate().cert,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; stdout += d; });
  child.stderr!.on('data', (d: Buffer) => { out += d; });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${out}`)), 30000);
    const check = () => {
      if (out.includes('Régie is running')) { clearTimeout(timer); resolve(); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}) during start:\n${out}`)); });
  });
  // (Complete lines only: a chunk may end in the middle of one.)
  // Parsed once each, as whole lines come (waitForLog looks again at every chunk).
  const parsed: Record<string, unknown>[] = [];
  let parsedUpTo = 0;
  const logLines = () => {
    const end = stdout.lastIndexOf('\n') + 1;
    for (const l of stdout.slice(parsedUpTo, end).split('\n')) if (l.startsWith('{')) parsed.push(JSON.parse(l) as Record<string, unknown>);
    parsedUpTo = Math.max(parsedUpTo, end);
    return parsed;
  };
  return {
    url: `https://127.0.0.1:${port}`,
    secret,
    dataDir,
    process: child,
    output: () => out,
    logLines,
    waitForLog: (match, timeoutMs) => new Promise((resolve) => {
      let from = 0;  // (the lines already looked at are not looked at again)
      const look = () => {
        const lines = logLines();
        const line = lines.slice(from).find(match);
        from = lines.length;
        if (!line) return false;
        done(line);
        return true;
      };
      const done = (line?: Record<string, unknown>) => {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve(line);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      if (!look()) child.stdout!.on('data', look);
    }),
    workerPids: async () => descendants(child.pid!, 'mediasoup-worker'),
    serverPid: () => {
      if (!opts.supervised) return child.pid!;
      const [pid] = descendants(child.pid!, 'sfu/src/main.ts').filter((p) => !descendants(p, 'sfu/src/main.ts').length);
      if (!pid) throw new Error('the supervisor has no server running');
      return pid;
    },
    childPids: async (...parts: string[]) => descendants(child.pid!, ...parts),
    stop: async () => {
      try {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      } finally {
        // REGIE_E2E_SERVER_LOG_DIR keeps each server's whole output, its shutdown too (for
        // reading a failure). Written once it is stopped: a write that failed used to leave
        // the server running under every later measurement.
        const keep = process.env.REGIE_E2E_SERVER_LOG_DIR;
        if (keep) {
          mkdirSync(keep, { recursive: true });
          writeFileSync(join(keep, `server-${Date.now()}-${port}.log`), out);
        }
      }
    },
  };
}
