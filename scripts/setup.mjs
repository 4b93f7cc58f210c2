#!/usr/bin/env node
// Brings a fresh clone to a runnable state, and does nothing when it already is.
// Runs before `npm start` and `npm test`, so it may use Node's built-ins only.
//
//   1. npm dependencies (npm ci, when package-lock.json changed since the last one)
//   2. mediasoup's C++ worker: cached build, else mediasoup's prebuilt download,
//      else an offline build against Debian's libraries (scripts/mediasoup-worker/)
//   3. the studio's browser bundle (vite build, when its sources changed)
//   4. with --for-tests: the programs the tests drive (Chromium, ffmpeg, iproute2)
//
// Knobs: REGIE_MEDIASOUP_WORKER=auto|prebuilt|debian|source (default auto),
// MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker (use that binary, build nothing),
// REGIE_CACHE_DIR (default ~/.cache/regie).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--for-tests');
const cacheRoot = process.env.REGIE_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'regie');
const workerMode = process.env.REGIE_MEDIASOUP_WORKER || 'auto';
const started = Date.now();

const say = (msg) => process.stderr.write(`setup: ${msg}\n`);
class SetupError extends Error {}
const fail = (msg) => { throw new SetupError(msg); };

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (res.error) return { ok: false, why: res.error.message };
  return { ok: res.status === 0, why: `exit code ${res.status}` };
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function hashFiles(paths) {
  const h = createHash('sha256');
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name === 'node_modules' || name === 'dist') continue;
        walk(join(p, name));
      }
    } else {
      h.update(p.slice(root.length));
      h.update(readFileSync(p));
    }
  };
  for (const p of paths) walk(join(root, p));
  return h.digest('hex').slice(0, 16);
}
const readStamp = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');

// Debian packages: installed for the user when we are root on Debian, named otherwise.
const dpkgHas = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed');
function ensureDebianPackages(packages, why, { onlyOnDebian = false } = {}) {
  if (!has('dpkg-query')) {
    if (onlyOnDebian) return; // elsewhere npm's own error names what is missing
    return fail(`${why} needs these Debian/Ubuntu packages (or your system's equivalents): ${packages.join(' ')}`);
  }
  const missing = packages.filter((p) => !dpkgHas(p));
  if (missing.length === 0) return;
  const cmd = `apt-get install -y ${missing.join(' ')}`;
  if (!isRoot() || !has('apt-get')) fail(`${why} needs Debian packages that are missing: ${missing.join(' ')}.\n  Fix: sudo apt-get update && sudo ${cmd}`);
  say(`${why}: installing ${missing.join(' ')} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['install', '-y', ...missing], { env }).ok) {
    run('apt-get', ['update'], { env });
    const res = run('apt-get', ['install', '-y', ...missing], { env });
    if (!res.ok) fail(`apt-get could not install ${missing.join(' ')} (${res.why}). Fix: run 'apt-get update && ${cmd}' and read its error.`);
  }
}

// 1. npm dependencies
function ensureNodeModules() {
  const stampFile = join(root, 'node_modules', '.regie-lock-hash');
  const lockHash = hashFiles(['package-lock.json']);
  if (readStamp(stampFile) === lockHash) return;
  // better-sqlite3 compiles SQLite when its prebuilt binary cannot be downloaded.
  ensureDebianPackages(['g++', 'make', 'python3'], 'building native npm modules (better-sqlite3)', { onlyOnDebian: true });
  say('installing npm dependencies (npm ci; about 1-2 minutes where native modules must be compiled)...');
  // mediasoup's own postinstall (run by npm versions that run install scripts) would
  // download or build a worker; we do that ourselves in step 2, the same way everywhere.
  const res = run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, MEDIASOUP_WORKER_BIN: '/bin/true' } });
  if (!res.ok) fail(`npm ci failed (${res.why}). Fix: check that the npm registry is reachable and read npm's error above.`);
  writeFileSync(stampFile, lockHash + '\n');
}

// 2. mediasoup worker
const mediasoupDir = join(root, 'node_modules', 'mediasoup');
const workerBin = join(mediasoupDir, 'worker', 'out', 'Release', 'mediasoup-worker');
const debianBuildPackages = ['g++', 'pkg-config', 'meson', 'ninja-build', 'python3', 'libssl-dev', 'libuv1-dev', 'libsrtp2-dev',
  'libusrsctp-dev', 'libabsl-dev', 'libflatbuffers-dev', 'flatbuffers-compiler', 'liburing-dev'];

function workerWorks(bin) {
  // A real start: spawn the worker through mediasoup and close it.
  const probe = `import('mediasoup').then(async (ms) => { const w = await ms.createWorker(); w.close(); })
    .catch((e) => { console.error(e.message); process.exit(1); })`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: root, encoding: 'utf8', timeout: 20000, env: { ...process.env, MEDIASOUP_WORKER_BIN: bin },
  });
  return res.status === 0;
}

function tryPrebuilt() {
  say('mediasoup worker: trying mediasoup\'s prebuilt binary download...');
  // PYTHON points nowhere so that mediasoup's fallback (a from-source build that needs
  // pip and downloads) fails at once instead of retrying for minutes offline.
  const env = { ...process.env, PYTHON: 'regie-no-source-build', MEDIASOUP_WORKER_BIN: '' };
  delete env.MEDIASOUP_WORKER_BIN;
  const res = spawnSync(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: mediasoupDir, env, encoding: 'utf8', timeout: 180000 });
  return res.status === 0 && existsSync(workerBin);
}

function buildDebian({ cacheOnly = false } = {}) {
  const env = { ...process.env, MS_WORKER_CACHE_DIR: join(cacheRoot, 'mediasoup-worker') };
  if (cacheOnly) {
    // Exit 3: nothing cached for this mediasoup version and build recipe.
    const res = spawnSync('bash', [join(root, 'scripts/mediasoup-worker/build-debian.sh'), mediasoupDir], { env: { ...env, MS_WORKER_CACHE_ONLY: '1' }, stdio: 'ignore' });
    return res.status === 0;
  }
  ensureDebianPackages(debianBuildPackages, 'building mediasoup\'s worker offline');
  say('mediasoup worker: building it against Debian\'s libraries (about 7 minutes on 2 cores; cached afterwards)...');
  const res = run('bash', [join(root, 'scripts/mediasoup-worker/build-debian.sh'), mediasoupDir], { env });
  if (!res.ok) fail(`the offline build of mediasoup's worker failed (${res.why}); its output is above.`);
  return true;
}

function buildFromSource() {
  say('mediasoup worker: mediasoup\'s own from-source build (needs internet for pip and its subprojects)...');
  const env = { ...process.env };
  delete env.MEDIASOUP_WORKER_BIN;
  const res = run(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: mediasoupDir, env: { ...env, MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD: '1' } });
  if (!res.ok) fail(`mediasoup's from-source build failed (${res.why}). Fix: REGIE_MEDIASOUP_WORKER=debian on Debian/Ubuntu, or install a worker and set MEDIASOUP_WORKER_BIN.`);
}

function ensureWorker() {
  const userBin = process.env.MEDIASOUP_WORKER_BIN;
  if (userBin && userBin !== '/bin/true') {
    if (!existsSync(userBin)) fail(`MEDIASOUP_WORKER_BIN=${userBin} does not exist. Fix: point it at a mediasoup-worker binary, or unset it.`);
    say(`mediasoup worker: using MEDIASOUP_WORKER_BIN=${userBin}`);
    return;
  }
  const version = JSON.parse(readFileSync(join(mediasoupDir, 'package.json'), 'utf8')).version;
  const stampFile = join(mediasoupDir, '.regie-worker');
  if (existsSync(workerBin) && readStamp(stampFile)) {
    return; // installed by an earlier run of this script for this node_modules
  }
  let path;
  if (workerMode === 'prebuilt' || workerMode === 'auto') {
    // An earlier offline build for this exact version and recipe is reused before anything else.
    if (workerMode === 'auto' && buildDebian({ cacheOnly: true })) {
      path = 'Debian build, from the cache';
    } else if (tryPrebuilt()) {
      path = 'mediasoup prebuilt download';
    } else if (workerMode === 'prebuilt') {
      fail('mediasoup\'s prebuilt worker could not be downloaded. Fix: REGIE_MEDIASOUP_WORKER=debian (offline build) or a machine with internet access.');
    } else {
      say('mediasoup worker: the prebuilt download is not reachable from here; falling back to the offline build.');
      buildDebian();
      path = 'Debian build';
    }
  } else if (workerMode === 'debian') {
    buildDebian();
    path = 'Debian build';
  } else if (workerMode === 'source') {
    buildFromSource();
    path = 'mediasoup from-source build';
  } else {
    fail(`REGIE_MEDIASOUP_WORKER=${workerMode} is not one of auto, prebuilt, debian, source.`);
  }
  if (!existsSync(workerBin) || !workerWorks(workerBin)) {
    fail(`mediasoup's worker at ${workerBin} does not start. Fix: delete ${join(cacheRoot, 'mediasoup-worker')} and node_modules, then run again.`);
  }
  chmodSync(workerBin, 0o755);
  writeFileSync(stampFile, `${path}\n`);
  say(`mediasoup ${version} worker ready: ${path}`);
}

// 3. studio bundle
function ensureStudioBuild() {
  const stampFile = join(root, 'dist', 'studio', '.regie-sources-hash');
  const srcHash = hashFiles(['studio', 'shared', 'package-lock.json']);
  if (readStamp(stampFile) === srcHash) return;
  say('building the studio (vite build)...');
  const res = run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'studio/vite.config.ts', '--logLevel', 'warn']);
  if (!res.ok) fail(`the studio build failed (${res.why}); vite's error is above.`);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, srcHash + '\n');
}

// 4. what the tests drive
function ensureTestTools() {
  ensureDebianPackages(['chromium', 'ffmpeg', 'iproute2', 'util-linux', 'procps', 'openssl', 'nginx-light', 'libnginx-mod-rtmp', 'libnginx-mod-stream'],
    'the test suite (real browsers, real ffmpeg, nginx-rtmp receivers, a private network namespace)');
}

// The program mixer (sfu/src/mixer/engine/mixer.py): GStreamer, driven from Debian's python.
const MIXER_PACKAGES = ['python3-gi', 'python3-gst-1.0', 'gir1.2-gstreamer-1.0', 'gir1.2-gst-plugins-base-1.0',
  'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-plugins-ugly', 'gstreamer1.0-libav'];

// What the studio itself runs: ffmpeg makes the slate, the program encode and the
// outputs; GStreamer composes the program.
function ensureRuntimeTools() {
  ensureDebianPackages(['ffmpeg'], 'the program encoder, slate and outputs (ffmpeg)', { onlyOnDebian: true });
  if (!has('ffmpeg')) fail('ffmpeg is not installed: Régie encodes the program and pushes to destinations with it. Fix: install ffmpeg (apt-get install ffmpeg).');
  if (process.env.REGIE_MIXER === 'off') return;
  ensureDebianPackages(MIXER_PACKAGES, 'the program mixer (GStreamer)', { onlyOnDebian: true });
  const probe = spawnSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('Gst', '1.0'); from gi.repository import Gst; Gst.init(None); assert Gst.ElementFactory.find('compositor') and Gst.ElementFactory.find('x264enc')"], { encoding: 'utf8' });
  if (probe.status !== 0) {
    say('WARNING: the program mixer cannot run here (/usr/bin/python3 with GStreamer 1.x, its compositor and x264enc, are needed): '
      + 'the program will be the on-air camera spliced as it is (no transitions, H.264 cameras only). '
      + `Fix: install ${MIXER_PACKAGES.join(' ')} (or your system's equivalents), or set REGIE_MIXER=off to silence this.`);
  }
}

try {
  ensureRuntimeTools();
  ensureNodeModules();
  ensureWorker();
  ensureStudioBuild();
  if (forTests) ensureTestTools();
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (Date.now() - started > 2000) say(`ready in ${secs} s`);
} catch (err) {
  if (err instanceof SetupError) {
    say(`FAILED: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
