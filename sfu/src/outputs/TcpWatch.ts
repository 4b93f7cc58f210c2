// Watches what the destination's TCP peer acknowledges, from the kernel (ss).
// A server that is frozen (not closed) keeps the connection open for a long time,
// and the muxer keeps "writing" into socket buffers; but the peer stops
// acknowledging at once. Bytes waiting and none acknowledged for a few seconds
// is a frozen or unreachable peer, whatever the process says.
import { execFile } from 'node:child_process';

const POLL_MS = 1000;
const FROZEN_AFTER_MS = 4000;

export type TcpSample = { bytesAcked: number; notSent: number; unacked: number };

/** The TCP sockets of a process, from `ss -tinpH` output. */
export function parseSs(output: string, pid: number): TcpSample[] {
  const samples: TcpSample[] = [];
  // ss prints each socket on one line with -H when -i is given, followed by its info.
  const blocks = output.split(/\n(?=\S)/);
  for (const block of blocks) {
    if (!new RegExp(`pid=${pid},`).test(block)) continue;
    const num = (name: string) => Number(new RegExp(`\\b${name}:(\\d+)`).exec(block)?.[1] ?? 0);
    samples.push({ bytesAcked: num('bytes_acked'), notSent: num('notsent'), unacked: num('unacked') });
  }
  return samples;
}

export class TcpWatch {
  #timer: NodeJS.Timeout;
  #lastAcked = -1;
  #since = Date.now();
  frozen = false;

  constructor(readonly pid: number, onFrozen: (why: string) => void) {
    this.#timer = setInterval(() => {
      execFile('ss', ['-tinpH'], { timeout: 2000 }, (err, stdout) => {
        if (err) return; // no ss: the progress watch alone decides
        const sockets = parseSs(stdout, pid);
        if (sockets.length === 0) return;
        const acked = sockets.reduce((n, s) => n + s.bytesAcked, 0);
        const waiting = sockets.reduce((n, s) => n + s.notSent + s.unacked, 0);
        const now = Date.now();
        if (acked !== this.#lastAcked || waiting === 0) {
          this.#lastAcked = acked;
          this.#since = now;
          this.frozen = false;
        } else if (now - this.#since >= FROZEN_AFTER_MS && !this.frozen) {
          this.frozen = true;
          onFrozen(`the server acknowledged nothing for ${Math.round((now - this.#since) / 1000)} s while ${waiting} bytes waited`);
        }
      });
    }, POLL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
