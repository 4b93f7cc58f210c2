import { describe, expect, it } from 'vitest';
import { isH264KeyframeStart, parseRtp } from './rtp.js';
import { RtpSplicer } from './RtpSplicer.js';

type Nal = 'sps' | 'idr' | 'p' | 'stap-sps' | 'fu-idr-start' | 'fu-idr-mid';
const NAL_BYTES: Record<Nal, number[]> = {
  sps: [0x67, 0x42, 0x00],
  idr: [0x65, 0x88, 0x84],
  p: [0x41, 0x9a, 0x00],
  'stap-sps': [0x78, 0x00, 0x03, 0x67, 0x42, 0x00, 0x00, 0x02, 0x68, 0xce],
  'fu-idr-start': [0x7c, 0x85, 0x00],
  'fu-idr-mid': [0x7c, 0x05, 0x00],
};

/** An RTP packet as a camera sends it, with a one-word header extension like Chromium's. */
function packet(seq: number, ts: number, nal: Nal = 'p', ssrc = 1111, pt = 102): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x90; // V=2, X=1
  header[1] = pt;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(ts >>> 0, 4);
  header.writeUInt32BE(ssrc, 8);
  const ext = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00]);
  return Buffer.concat([header, ext, Buffer.from(NAL_BYTES[nal])]);
}

const video = () => new RtpSplicer({ ssrc: 4242, payloadType: 125, clockRate: 90000, waitForKeyframe: true });
const out = (p: Buffer | null) => (p ? parseRtp(p) : null);

describe('H.264 keyframe detection', () => {
  it('finds the SPS alone, in a STAP-A, and an IDR start; not a P frame or an IDR middle', () => {
    const payload = (n: Nal) => packet(1, 1, n).subarray(20);
    expect(isH264KeyframeStart(payload('sps'))).toBe(true);
    expect(isH264KeyframeStart(payload('stap-sps'))).toBe(true);
    expect(isH264KeyframeStart(payload('idr'))).toBe(true);
    expect(isH264KeyframeStart(payload('fu-idr-start'))).toBe(true);
    expect(isH264KeyframeStart(payload('fu-idr-mid'))).toBe(false);
    expect(isH264KeyframeStart(payload('p'))).toBe(false);
  });
});

describe('RtpSplicer', () => {
  it('sends nothing until a source is on air, then rewrites SSRC and payload type', () => {
    const s = video();
    expect(s.push('a', packet(10, 1000, 'sps'), 0)).toBeNull();
    s.select('a');
    expect(s.push('a', packet(11, 1000, 'p'), 0)).toBeNull(); // waits for a keyframe
    const first = out(s.push('a', packet(12, 3000, 'stap-sps'), 0))!;
    expect(first).toMatchObject({ ssrc: 4242, payloadType: 125 });
    expect(s.active).toBe('a');
  });

  it('keeps the old source on air until the new one sends a keyframe, then switches there', () => {
    const s = video();
    s.select('a');
    s.push('a', packet(100, 9000, 'sps'), 0);
    s.select('b');
    expect(s.pending).toBe('b');
    expect(s.push('b', packet(5000, 700000, 'p'), 10)).toBeNull();
    expect(s.push('a', packet(101, 12000, 'p'), 33)).not.toBeNull(); // a still on air
    const switched = s.push('b', packet(5001, 703000, 'sps'), 40);
    expect(switched).not.toBeNull();
    expect(s.active).toBe('b');
    expect(s.push('a', packet(102, 15000, 'p'), 66)).toBeNull(); // a is off air now
  });

  it('numbers packets without a hole or a repeat across any number of switches', () => {
    const s = video();
    const seqs: number[] = [];
    const sources = { a: { seq: 65530, ts: 4294960000 }, b: { seq: 10, ts: 5 } } as Record<string, { seq: number; ts: number }>;
    let now = 0;
    let on = 'a';
    s.select('a');
    for (let i = 0; i < 300; i++) {
      now += 33;
      if (i % 50 === 25) { on = on === 'a' ? 'b' : 'a'; s.select(on); }
      for (const [name, src] of Object.entries(sources)) {
        const nal: Nal = i % 10 === 0 ? 'stap-sps' : 'p';
        const p = s.push(name, packet(src.seq, src.ts, nal), now);
        src.seq = (src.seq + 1) & 0xffff;
        src.ts = (src.ts + 3000) >>> 0;
        if (p) seqs.push(out(p)!.sequenceNumber);
      }
    }
    expect(seqs.length).toBeGreaterThan(250);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]!) & 0xffff).toBe(1);
  });

  it('carries timestamps on by the wall-clock time between the last old packet and the first new one', () => {
    const s = video();
    s.select('a');
    const last = out(s.push('a', packet(1, 1_000_000, 'sps'), 1000))!;
    s.select('b');
    const first = out(s.push('b', packet(777, 42, 'sps'), 1040))!; // 40 ms later
    expect((first.timestamp - last.timestamp) >>> 0).toBe(40 * 90);
    const next = out(s.push('b', packet(778, 42 + 3000, 'p'), 1073))!;
    expect((next.timestamp - first.timestamp) >>> 0).toBe(3000); // then follows the source
  });

  it('never lets time stand still or run back, even for a switch in the same millisecond', () => {
    const s = video();
    s.select('a');
    const last = out(s.push('a', packet(1, 500, 'sps'), 1000))!;
    s.select('b');
    const first = out(s.push('b', packet(9, 400, 'sps'), 1000))!;
    expect(((first.timestamp - last.timestamp) >>> 0)).toBeGreaterThan(0);
  });

  it('drops late packets of the new source from before the switch point', () => {
    const s = video();
    s.select('a');
    s.push('a', packet(1, 0, 'sps'), 0);
    s.select('b');
    s.push('b', packet(500, 0, 'sps'), 10);
    expect(s.push('b', packet(499, 0, 'p'), 11)).toBeNull();
    expect(s.push('b', packet(501, 3000, 'p'), 12)).not.toBeNull();
  });

  it('switches audio at once, without waiting for anything', () => {
    const audio = new RtpSplicer({ ssrc: 1, payloadType: 100, clockRate: 48000, waitForKeyframe: false });
    audio.select('a');
    expect(audio.push('a', packet(1, 960, 'p', 1, 111), 0)).not.toBeNull();
    audio.select('b');
    const p = out(audio.push('b', packet(50, 99, 'p', 2, 111), 20))!;
    expect(audio.active).toBe('b');
    expect(p.payloadType).toBe(100);
  });

  it('tells who switched, so audio can follow video', () => {
    const s = video();
    const switched: string[] = [];
    s.select('a');
    s.push('a', packet(1, 0, 'sps'), 0, (src) => switched.push(src));
    s.select('b');
    s.push('b', packet(1, 0, 'p'), 5, (src) => switched.push(src));
    s.push('b', packet(2, 0, 'sps'), 9, (src) => switched.push(src));
    expect(switched).toEqual(['a', 'b']);
  });

  // Found in a quiet 11-minute show: the late-packet check compared each packet with the
  // switch point on the 16-bit circle, so 32,768 packets after a switch every packet
  // looked "before the switch" and the program went silent for the next 32,768.
  it('keeps one source on air through 200,000 packets: sequence numbers and timestamps wrap, nothing is dropped', () => {
    for (const splicer of [video(), new RtpSplicer({ ssrc: 7, payloadType: 100, clockRate: 48000, waitForKeyframe: false })]) {
      splicer.select('a');
      let seq = 65000;
      let ts = 0xffffffff - 100_000;
      let last: ReturnType<typeof out> = null;
      let sent = 0;
      let broken = 0;
      for (let i = 0; i < 200_000; i++) {
        const o = out(splicer.push('a', packet(seq, ts, i === 0 ? 'sps' : 'p'), i * 20));
        if (o) {
          if (last && (((o.sequenceNumber - last.sequenceNumber) & 0xffff) !== 1 || ((o.timestamp - last.timestamp) >>> 0) !== 960)) broken++;
          last = o;
          sent++;
        }
        seq = (seq + 1) & 0xffff;
        ts = (ts + 960) >>> 0;
      }
      expect(sent).toBe(200_000);
      expect(broken).toBe(0);
    }
  });

  it('still drops a late packet from before the switch after the sequence numbers wrapped', () => {
    const s = video();
    s.select('a');
    s.push('a', packet(65530, 0, 'sps'), 0);
    for (let seq = 65531; seq < 65536 + 1000; seq++) expect(s.push('a', packet(seq, 0, 'p'), 1)).not.toBeNull();
    expect(s.push('a', packet(65529, 0, 'p'), 2)).toBeNull(); // from before the switch point
    expect(s.push('a', packet(65536 + 990, 0, 'p'), 2)).not.toBeNull(); // merely reordered
  });

  it('splices in the on-air source\'s new stream (a restarted slate, a producer made anew) at its first keyframe', () => {
    const s = video();
    s.select('slate');
    let prev = out(s.push('slate', packet(100, 9000, 'sps', 1111), 0))!;
    prev = out(s.push('slate', packet(101, 12000, 'p', 1111), 33))!;
    // The new stream starts half the sequence space away, with another SSRC and timestamps.
    expect(s.push('slate', packet(33000, 5, 'p', 2222), 200)).toBeNull(); // cannot be decoded yet
    const first = out(s.push('slate', packet(33001, 3005, 'stap-sps', 2222), 233))!;
    expect(first).not.toBeNull();
    expect((first.sequenceNumber - prev.sequenceNumber) & 0xffff).toBe(1);
    expect((first.timestamp - prev.timestamp) >>> 0).toBe(200 * 90);
    const next = out(s.push('slate', packet(33002, 6005, 'p', 2222), 266))!;
    expect((next.sequenceNumber - first.sequenceNumber) & 0xffff).toBe(1);
    expect(s.active).toBe('slate');
    // A straggler of the old stream does not flip it back.
    expect(s.push('slate', packet(102, 15000, 'p', 1111), 270)).toBeNull();
  });

  it('re-syncs audio of a new stream at once', () => {
    const audio = new RtpSplicer({ ssrc: 1, payloadType: 100, clockRate: 48000, waitForKeyframe: false });
    audio.select('a');
    const before = out(audio.push('a', packet(10, 960, 'p', 1, 111), 0))!;
    const after = out(audio.push('a', packet(40000, 7, 'p', 2, 111), 20))!;
    expect((after.sequenceNumber - before.sequenceNumber) & 0xffff).toBe(1);
    expect((after.timestamp - before.timestamp) >>> 0).toBe(20 * 48);
  });

  // Found by the worker-death e2e: the on-air camera republished while the slate was
  // waiting to replace it, and re-syncing its new stream cancelled the switch.
  it('a pending switch survives the on-air source\'s stream being made anew', () => {
    const s = video();
    s.select('cam');
    s.push('cam', packet(10, 0, 'sps', 1111), 0);
    s.select('slate');
    expect(s.push('cam', packet(5000, 90, 'stap-sps', 2222), 10)).not.toBeNull(); // the camera's new stream, spliced in
    expect(s.pending).toBe('slate');
    expect(s.push('slate', packet(7, 3, 'sps', 3333), 20)).not.toBeNull();
    expect(s.active).toBe('slate');
  });
});
