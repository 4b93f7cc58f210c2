// A camera's RTP as mediasoup hands it to a local process: whatever sends it (a sender
// restarted, a phone that came back), what comes out is one stream — one SSRC, sequence
// numbers that carry on, timestamps that follow the wall clock across a silence. The
// bench sends through this to the mixer, and learns when a stream's first packet after
// a silence went through.
import { createSocket, type Socket } from 'node:dgram';
import { freeRtpPorts } from '../../sfu/src/media/plainTransports.js';

export class RtpRelay {
  readonly #socket: Socket;
  /** the port above ours, where a sender's RTCP goes: taken and ignored (left free, it could be another process's RTP port) */
  readonly #rtcp: Socket;
  readonly #to: number;
  #inSsrc?: number;
  /** what is added to the current sender's sequence numbers and timestamps: ours carry on from the last sender's */
  #offset?: { seq: number; ts: number };
  #lastOut?: { seq: number; ts: number; at: number };
  readonly #clockRate: number;
  /** when each sender's first packet went through (ms, wall clock) */
  readonly starts: number[] = [];

  private constructor(socket: Socket, rtcp: Socket, to: number, clockRate: number) {
    this.#socket = socket;
    this.#rtcp = rtcp;
    this.#to = to;
    this.#clockRate = clockRate;
    socket.on('message', (m) => this.#forward(m));
  }

  /** Listens on a free port of 127.0.0.1 and relays to `to` there. */
  static async open(to: number, clockRate = 90000): Promise<RtpRelay> {
    const port = await freeRtpPorts();
    const bind = async (p: number) => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(p, '127.0.0.1', () => resolve()); });
      return s;
    };
    return new RtpRelay(await bind(port), await bind(port + 1), to, clockRate);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  #forward(m: Buffer): void {
    if (m.length < 12 || (m[0]! >> 6) !== 2) return;
    const pt = m[1]! & 0x7f;
    if (pt >= 72 && pt <= 76) return; // (RTCP)
    const ssrc = m.readUInt32BE(8);
    const seq = m.readUInt16BE(2);
    const ts = m.readUInt32BE(4);
    const now = Date.now();
    if (ssrc !== this.#inSsrc) { // a new sender: its numbers go on from ours, its timestamps by the time that passed
      this.#inSsrc = ssrc;
      const last = this.#lastOut;
      this.#offset = last
        ? { seq: (last.seq + 1 - seq) & 0xffff, ts: (last.ts + Math.round(((now - last.at) * this.#clockRate) / 1000) - ts) >>> 0 }
        : { seq: 0, ts: 0 };
      this.starts.push(now);
    }
    // (the sender's own gaps and reordering are kept, as mediasoup keeps them)
    const outSeq = (seq + this.#offset!.seq) & 0xffff;
    const outTs = (ts + this.#offset!.ts) >>> 0;
    const out = Buffer.from(m);
    out.writeUInt16BE(outSeq, 2);
    out.writeUInt32BE(outTs, 4);
    out.writeUInt32BE(0x52656769, 8); // one SSRC throughout
    this.#lastOut = { seq: outSeq, ts: outTs, at: now };
    this.#socket.send(out, this.#to, '127.0.0.1');
  }

  close(): void {
    this.#socket.close();
    this.#rtcp.close();
  }
}
