// A camera's RTP as mediasoup hands it to a local process: whatever sends it (a sender
// restarted, a phone that came back), what comes out is one stream — one SSRC, sequence
// numbers that carry on, timestamps that follow the wall clock across a silence. The
// bench sends through this to the mixer, and learns when a stream's first packet after
// a silence went through.
import { createSocket, type Socket } from 'node:dgram';

export class RtpRelay {
  readonly #socket: Socket;
  readonly #to: number;
  #inSsrc?: number;
  /** the input's timestamp and the output's at the first packet of the current sender */
  #base?: { inTs: number; outTs: number };
  #seq = Math.floor(Math.random() * 0xffff);
  #lastOut?: { ts: number; at: number };
  readonly #clockRate: number;
  /** when each sender's first packet went through (ms, wall clock) */
  readonly starts: number[] = [];

  private constructor(socket: Socket, to: number, clockRate: number) {
    this.#socket = socket;
    this.#to = to;
    this.#clockRate = clockRate;
    socket.on('message', (m) => this.#forward(m));
  }

  /** Listens on a free port of 127.0.0.1 and relays to `to` there. */
  static async open(to: number, clockRate = 90000): Promise<RtpRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RtpRelay(socket, to, clockRate);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  #forward(m: Buffer): void {
    if (m.length < 12 || (m[0]! >> 6) !== 2) return;
    const pt = m[1]! & 0x7f;
    if (pt >= 72 && pt <= 76) return; // (RTCP)
    const ssrc = m.readUInt32BE(8);
    const ts = m.readUInt32BE(4);
    const now = Date.now();
    if (ssrc !== this.#inSsrc) { // a new sender: its timestamps go on from ours, by the time that passed
      this.#inSsrc = ssrc;
      const outTs = this.#lastOut ? (this.#lastOut.ts + Math.round(((now - this.#lastOut.at) * this.#clockRate) / 1000)) >>> 0 : ts;
      this.#base = { inTs: ts, outTs };
      this.starts.push(now);
    }
    const outTs = (this.#base!.outTs + ts - this.#base!.inTs) >>> 0;
    this.#seq = (this.#seq + 1) & 0xffff;
    const out = Buffer.from(m);
    out.writeUInt16BE(this.#seq, 2);
    out.writeUInt32BE(outTs, 4);
    out.writeUInt32BE(0x52656769, 8); // one SSRC throughout
    this.#lastOut = { ts: outTs, at: now };
    this.#socket.send(out, this.#to, '127.0.0.1');
  }

  close(): void {
    this.#socket.close();
  }
}
