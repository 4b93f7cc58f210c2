// Is the destination's server still answering? A frozen server (hung, not closed)
// keeps its TCP connections open, and its kernel keeps acknowledging into socket
// buffers for many seconds, so the pushing process sees nothing wrong. A fresh RTMP
// handshake (C0+C1, wait for S0) — inside TLS for RTMPS — is answered in
// milliseconds by a live server and never by a frozen one. It publishes nothing.
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const TIMEOUT_MS = 2000;

export function probeRtmp(url: string, timeoutMs = TIMEOUT_MS): Promise<{ ok: boolean; why?: string }> {
  const u = new URL(url);
  const tls = u.protocol === 'rtmps:';
  const port = Number(u.port || (tls ? 443 : 1935));
  return new Promise((resolve) => {
    let done = false;
    let socket: Socket;
    const finish = (ok: boolean, why?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ ok, why });
    };
    const timer = setTimeout(() => finish(false, `the server did not answer a handshake within ${timeoutMs / 1000} s`), timeoutMs);
    const hello = () => socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(1528)])); // C0 + C1
    socket = tls
      ? tlsConnect({ host: u.hostname, port, servername: u.hostname, rejectUnauthorized: false }, hello)
      : tcpConnect({ host: u.hostname, port }, hello);
    socket.once('data', () => finish(true));
    socket.once('error', (err) => finish(false, err.message));
    socket.once('close', () => finish(false, 'the server closed the connection'));
  });
}
