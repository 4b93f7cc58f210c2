// A WHEP player for the bench and tests: a real WebRTC receiver (werift) that POSTs its
// offer to Régie's WHEP endpoint as a player does, and counts what arrives — video
// frames (new RTP timestamps), bytes and audio packets — without decoding, so many of
// them on one machine measure Régie's cost per viewer and not the players'.
import type { RTCPeerConnection, RtpPacket } from 'werift';
import { connected, gatheredOffer, newPeer, whipRequest } from './webrtcPeer.js';

export type Received = { videoFrames: number; videoBytes: number; audioPackets: number };

/**
 * Counts video frames from packets in arrival order: a frame is a packet newer than every
 * one before it (by sequence number, across the 16-bit wrap) that brings a new
 * timestamp. A late retransmission (NACK answered on the same SSRC) counts for nothing.
 */
export class FrameTally {
  frames = 0;
  #highestSeq = -1;
  #lastTimestamp = -1;

  add(rtp: RtpPacket): void {
    const seq = rtp.header.sequenceNumber;
    if (this.#highestSeq >= 0) {
      const ahead = (seq - this.#highestSeq + 0x10000) % 0x10000;
      if (ahead === 0 || ahead >= 0x8000) return; // a duplicate, or older than what came
    }
    this.#highestSeq = seq;
    if (rtp.header.timestamp !== this.#lastTimestamp) {
      this.#lastTimestamp = rtp.header.timestamp;
      this.frames++;
    }
  }
}

export class WhepPlayer {
  readonly #pc: RTCPeerConnection;
  readonly #key: string | undefined;
  readonly #tally = new FrameTally();
  readonly #received = { videoBytes: 0, audioPackets: 0 };
  /** the session's URL (Location), absolute */
  readonly resource: string;
  #stopped = false;

  private constructor(pc: RTCPeerConnection, key: string | undefined, resource: string) {
    this.#pc = pc;
    this.#key = key;
    this.resource = resource;
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (track.kind === 'audio') {
          this.#received.audioPackets++;
          return;
        }
        this.#received.videoBytes += rtp.payload.length;
        this.#tally.add(rtp);
      });
    });
  }

  get received(): Received {
    return { videoFrames: this.#tally.frames, ...this.#received };
  }

  /** A player's offer: receive-only audio and video, candidates gathered. */
  static async offer(): Promise<{ pc: RTCPeerConnection; sdp: string }> {
    const pc = newPeer();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    return { pc, sdp: await gatheredOffer(pc) };
  }

  /** Plays the program; resolves once Régie answered and ICE + DTLS are up. `key`: the viewer link's. */
  static async play(endpoint: string, key?: string): Promise<WhepPlayer> {
    const { pc, sdp } = await WhepPlayer.offer();
    const up = connected(pc, 'WHEP player');
    try {
      const headers: Record<string, string> = { 'Content-Type': 'application/sdp', ...(key ? { Authorization: `Bearer ${key}` } : {}) };
      const res = await whipRequest(endpoint, 'POST', headers, sdp);
      if (res.status !== 201) throw new Error(`WHEP POST answered ${res.status}: ${res.body}`);
      const player = new WhepPlayer(pc, key, new URL(String(res.headers.location), endpoint).toString());
      await pc.setRemoteDescription({ type: 'answer', sdp: res.body });
      await up;
      return player;
    } catch (err) {
      up.catch(() => undefined); // closing it settles it
      await pc.close();
      throw err;
    }
  }

  /** Leaves as a player that stops does: DELETE, then close. Returns DELETE's status. */
  async stop(): Promise<number> {
    if (this.#stopped) return 0;
    this.#stopped = true;
    const res = await whipRequest(this.resource, 'DELETE', this.#key ? { Authorization: `Bearer ${this.#key}` } : {}).catch(() => undefined);
    await this.#pc.close();
    return res?.status ?? 0;
  }
}
