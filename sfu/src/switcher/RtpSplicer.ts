// Splices RTP from several sources into one continuous stream: one SSRC, sequence
// numbers without holes or repeats, timestamps that keep advancing with the wall
// clock across a switch. Nothing is decoded. For video a switch waits for the new
// source's keyframe and the old source stays on air until then, so the program
// never shows a broken picture or a gap.
//
// Shows run for hours: every 16-bit sequence number and 32-bit timestamp here wraps
// (a quiet camera wraps its sequence numbers in about 11 minutes), so positions are
// compared as extended (unwrapped) counters, never as raw fields.
import { parseRtp, rewriteRtp, isH264KeyframeStart } from './rtp.js';

export type SplicerOptions = {
  ssrc: number;
  payloadType: number;
  clockRate: number;
  /** video: switch only where the new source starts a keyframe */
  waitForKeyframe: boolean;
};

type Mapping = {
  source: string;
  /** the stream of that source we follow: a source whose producer was made anew sends another SSRC */
  ssrc: number;
  seqOffset: number;
  tsOffset: number;
  /** extended sequence number of the switch point, and of the newest packet since */
  firstExt: number;
  newestExt: number;
  newestSeq: number;
};

/** How far `seq` is from `ref` on the 16-bit circle, in -32768..32767. */
const seqDelta = (seq: number, ref: number): number => ((seq - ref + 0x8000) & 0xffff) - 0x8000;

export class RtpSplicer {
  readonly #o: SplicerOptions;
  #active?: Mapping;
  #pending?: string;
  #lastSeq = Math.floor(Math.random() * 0xffff);
  #lastTs = Math.floor(Math.random() * 0xffffffff);
  #lastAt = 0; // wall clock of the last packet out, ms
  #started = false;

  constructor(options: SplicerOptions) {
    this.#o = options;
  }

  /** The source on air now (after any pending switch has happened). */
  get active(): string | undefined {
    return this.#active?.source;
  }

  /** The source we are switching to, waiting for its keyframe. */
  get pending(): string | undefined {
    return this.#pending;
  }

  /** Ask to put a source on air; it happens on its next keyframe (video) or packet (audio). */
  select(source: string | undefined): void {
    if (source === undefined) {
      this.#active = undefined;
      this.#pending = undefined;
      return;
    }
    this.#pending = source === this.#active?.source ? undefined : source;
  }

  /**
   * One incoming packet from a source; returns the packet to send on, or null.
   * `onSwitch` is told when a pending switch happens (for audio to follow video).
   */
  push(source: string, packet: Buffer, nowMs: number, onSwitch?: (source: string) => void): Buffer | null {
    const h = parseRtp(packet);
    if (!h) return null;
    const ready = () => !this.#o.waitForKeyframe || isH264KeyframeStart(packet.subarray(h.payloadOffset));
    if (source === this.#pending && ready()) {
      this.#switchTo(source, h.ssrc, h.sequenceNumber, h.timestamp, nowMs);
      onSwitch?.(source);
    }
    const m = this.#active;
    if (!m || m.source !== source) return null;
    if (h.ssrc !== m.ssrc) {
      // The on-air source's stream was made anew (its worker died, the slate restarted,
      // the camera republished): its numbering starts elsewhere. Splice it in like a
      // switch, on its first keyframe; until then nothing of it can be decoded anyway.
      if (!ready()) return null;
      // (A switch to another source that is waiting for its keyframe still happens.)
      const pending = this.#pending;
      this.#switchTo(source, h.ssrc, h.sequenceNumber, h.timestamp, nowMs);
      this.#pending = pending;
    }
    const a = this.#active!;
    const delta = seqDelta(h.sequenceNumber, a.newestSeq);
    const ext = a.newestExt + delta;
    // Late packets from before the switch point would run the numbering backwards.
    if (ext < a.firstExt) return null;
    if (delta > 0) {
      a.newestExt = ext;
      a.newestSeq = h.sequenceNumber;
    }
    const sequenceNumber = (h.sequenceNumber + a.seqOffset) & 0xffff;
    const timestamp = (h.timestamp + a.tsOffset) >>> 0;
    if (seqDelta(sequenceNumber, this.#lastSeq) >= 0) {
      this.#lastSeq = sequenceNumber;
      this.#lastTs = timestamp;
      this.#lastAt = nowMs;
    }
    this.#started = true;
    return rewriteRtp(packet, { payloadType: this.#o.payloadType, sequenceNumber, timestamp, ssrc: this.#o.ssrc });
  }

  #switchTo(source: string, ssrc: number, seq: number, ts: number, nowMs: number): void {
    // The new source continues right after the last packet out; its timestamps carry on
    // from ours by the wall-clock time that passed (at least one tick, never backwards).
    const gapTicks = this.#started ? Math.max(1, Math.round(((nowMs - this.#lastAt) * this.#o.clockRate) / 1000)) : 0;
    const nextSeq = (this.#lastSeq + 1) & 0xffff;
    this.#active = {
      source,
      ssrc,
      seqOffset: (nextSeq - seq) & 0xffff,
      tsOffset: ((this.#lastTs + gapTicks) - ts) >>> 0,
      firstExt: 0,
      newestExt: 0,
      newestSeq: seq,
    };
    this.#lastSeq = (nextSeq - 1) & 0xffff;
    this.#pending = undefined;
  }
}
