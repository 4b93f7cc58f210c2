// The encoded program's latest group of pictures, as RTMP servers keep one: a
// destination that (re)connects is first given the stream's tables and everything
// from the last keyframe, so its remuxer can start at once instead of waiting up to a
// keyframe interval for a picture it can decode — and can be told to probe briefly.
//
// The encoder's MPEG-TS arrives in pipe reads cut anywhere; this cuts it back into
// 188-byte packets, so every destination and the recording get whole packets, and a
// packet cut short by an encoder that died never runs into the next encoder's stream.

const PACKET = 188;
const SYNC = 0x47;
/**
 * A group of pictures past this is not kept (a keyframe that never comes, or a very
 * high bitrate): well below what a destination may have queued (RemuxProcess), so a
 * head never makes a new link drop the live data that follows it.
 */
const MAX_GOP_BYTES = 3 * 1024 * 1024;
/** MPEG-TS stream types of video elementary streams (MPEG-1/2, MPEG-4, H.264, H.265). */
const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24]);

const pidOf = (p: Buffer) => ((p[1]! & 0x1f) << 8) | p[2]!;
const startsUnit = (p: Buffer) => (p[1]! & 0x40) !== 0;

/** The start of a packet's payload, or -1 if it has none. */
function payloadStart(p: Buffer): number {
  const control = (p[3]! >> 4) & 0x3;
  if ((control & 0x1) === 0) return -1;
  const start = control & 0x2 ? 5 + p[4]! : 4;
  return start < PACKET ? start : -1;
}

/** The adaptation field says this packet starts a point a decoder can begin at. */
function randomAccess(p: Buffer): boolean {
  const control = (p[3]! >> 4) & 0x3;
  return (control & 0x2) !== 0 && p[4]! > 0 && (p[5]! & 0x40) !== 0;
}

/** The table section a packet starts (after its pointer field), if it starts one. */
function section(p: Buffer): Buffer | undefined {
  const at = payloadStart(p);
  if (at < 0 || !startsUnit(p)) return undefined;
  const s = p.subarray(at + 1 + p[at]!);
  return s.length >= 3 ? s : undefined;
}

export class ProgramGop {
  #rest: Buffer = Buffer.alloc(0);
  #pat?: Buffer;
  #pmtPids = new Set<number>();
  #pmt = new Map<number, Buffer>();
  #videoPid?: number;
  #gop: Buffer[] = [];
  #gopBytes = 0;

  /** Takes a read of the encoder's output; returns the whole packets it completes. */
  push(chunk: Buffer): Buffer {
    let data = this.#rest.length ? Buffer.concat([this.#rest, chunk]) : chunk;
    data = this.#resync(data);
    const whole = data.length - (data.length % PACKET);
    this.#rest = Buffer.from(data.subarray(whole));
    const out = data.subarray(0, whole);
    for (let at = 0; at < whole; at += PACKET) this.#packet(out.subarray(at, at + PACKET));
    return out;
  }

  /** The tables and the latest group of pictures, for a destination that starts now (empty if none yet). */
  snapshot(): Buffer {
    if (!this.#gop.length || !this.#pat) return Buffer.alloc(0);
    return Buffer.concat([this.#pat, ...this.#pmt.values(), ...this.#gop]);
  }

  /** A new encoder: nothing of the last one is kept, not even half a packet. */
  reset(): void {
    this.#rest = Buffer.alloc(0);
    this.#pat = undefined;
    this.#pmtPids.clear();
    this.#pmt.clear();
    this.#videoPid = undefined;
    this.#dropGop();
  }

  /** Packets start with the sync byte; anything before the next one is skipped. */
  #resync(data: Buffer): Buffer {
    if (data.length === 0 || data[0] === SYNC) return data;
    for (let i = 1; i < data.length; i++) {
      if (data[i] === SYNC && (i + PACKET >= data.length || data[i + PACKET] === SYNC)) return data.subarray(i);
    }
    return Buffer.alloc(0);
  }

  #packet(p: Buffer): void {
    if (p[0] !== SYNC) return;
    const pid = pidOf(p);
    if (pid === 0) return this.#onPat(p);
    if (this.#pmtPids.has(pid)) return this.#onPmt(pid, p);
    if (pid === this.#videoPid && startsUnit(p) && randomAccess(p)) this.#dropGop();
    if (this.#gop.length === 0 && pid !== this.#videoPid) return; // before the first keyframe: not a start
    if (this.#gop.length === 0 && !(startsUnit(p) && randomAccess(p))) return;
    if (this.#gopBytes + PACKET > MAX_GOP_BYTES) return this.#dropGop();
    this.#gop.push(Buffer.from(p));
    this.#gopBytes += PACKET;
  }

  #onPat(p: Buffer): void {
    const s = section(p);
    if (!s || s[0] !== 0x00) return;
    this.#pat = Buffer.from(p);
    const length = ((s[1]! & 0x0f) << 8) | s[2]!;
    const end = Math.min(s.length, 3 + length - 4); // without the CRC
    const pids = new Set<number>();
    for (let at = 8; at + 4 <= end; at += 4) {
      const program = (s[at]! << 8) | s[at + 1]!;
      if (program !== 0) pids.add(((s[at + 2]! & 0x1f) << 8) | s[at + 3]!);
    }
    this.#pmtPids = pids;
    for (const pid of this.#pmt.keys()) if (!pids.has(pid)) this.#pmt.delete(pid); // tables of programs gone
  }

  #onPmt(pid: number, p: Buffer): void {
    const s = section(p);
    if (!s || s[0] !== 0x02) return;
    this.#pmt.set(pid, Buffer.from(p));
    const length = ((s[1]! & 0x0f) << 8) | s[2]!;
    const end = Math.min(s.length, 3 + length - 4);
    const infoLength = ((s[10]! & 0x0f) << 8) | s[11]!;
    for (let at = 12 + infoLength; at + 5 <= end; at += 5 + (((s[at + 3]! & 0x0f) << 8) | s[at + 4]!)) {
      if (VIDEO_STREAM_TYPES.has(s[at]!)) {
        this.#videoPid = ((s[at + 1]! & 0x1f) << 8) | s[at + 2]!;
        return;
      }
    }
  }

  #dropGop(): void {
    this.#gop = [];
    this.#gopBytes = 0;
  }
}

/**
 * What one link reads of the program: the stream's tables and a keyframe first, then
 * every packet. A link that starts while a group of pictures is kept gets it at once;
 * one that starts when there is none (Go live and a restarted server start links
 * before the encoder's first byte; a new encoder; a group too large to keep) waits for
 * the next keyframe rather than read from the middle, or from audio that comes before
 * the first picture: so its remux finds both streams in a short probe, every time.
 */
export class LinkFeed {
  readonly #snapshot: () => Buffer;
  #waiting = false;

  constructor(snapshot: () => Buffer) {
    this.#snapshot = snapshot;
  }

  /** What to send as the link starts (nothing yet, if there is no group). */
  start(): Buffer {
    const head = this.#snapshot();
    this.#waiting = head.length === 0;
    return head;
  }

  /** What to send for packets the program just gave (already in the group). */
  next(packets: Buffer): Buffer {
    if (!this.#waiting) return packets;
    const head = this.#snapshot();
    if (head.length) this.#waiting = false;
    return head;
  }
}

