// Runs a command in a new network namespace that has only `lo`, up: WebRTC, RTMP and
// everything else the tests and the bench start can only reach 127.0.0.1 (and the
// private test networks they build inside it).
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Wraps a command (argv array) so it runs in that namespace. */
export function inLoopbackNamespace(cmd) {
  const quoted = cmd.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const inner = `ip link set lo up && exec ${quoted}`;
  // As root a plain network namespace; otherwise inside a user namespace of our own.
  return isRoot ? ['unshare', '--net', '--', 'sh', '-c', inner] : ['unshare', '--map-root-user', '--net', '--', 'sh', '-c', inner];
}
