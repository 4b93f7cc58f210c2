// A WHIP encoder for tests and the bench: a real WebRTC publisher (werift, pure
// TypeScript) that POSTs its offer to a slot's WHIP endpoint as OBS does, and sends
// H.264 + Opus RTP that ffmpeg makes — either encoded from a flat colour and a tone (a
// camera with distinct content), or copied from a pre-encoded file without encoding (a
// camera that costs the machine nothing, so a bench measures Régie and not its cameras).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { MediaStreamTrack, type RTCPeerConnection } from 'werift';
import { connected, gatheredOffer, newPeer, whipRequest } from './webrtcPeer.js';

export { whipRequest };

export type WhipSource =
  | { kind: 'colour'; colour: string; toneHz: number; width?: number; height?: number; fps?: number }
  /** an MPEG-TS file of H.264 (no B-frames, SPS and PPS before each keyframe) and Opus, looped and sent as it is */
  | { kind: 'file'; path: string };

export class WhipCamera {
  readonly #pc: RTCPeerConnection;
  readonly #ffmpeg: ChildProcess;
  readonly #sockets: Socket[];
  readonly #token: string;
  /** the session's URL (Location), absolute */
  readonly resource: string;
  #stopped = false;

  private constructor(pc: RTCPeerConnection, ffmpeg: ChildProcess, sockets: Socket[], token: string, resource: string) {
    this.#pc = pc;
    this.#ffmpeg = ffmpeg;
    this.#sockets = sockets;
    this.#token = token;
    this.resource = resource;
  }

  /** The offer a WHIP client would POST (ICE gathered: it carries its candidates). */
  static async offer(): Promise<{ pc: RTCPeerConnection; video: MediaStreamTrack; audio: MediaStreamTrack; sdp: string }> {
    const pc = newPeer();
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    pc.addTransceiver(video, { direction: 'sendonly' });
    pc.addTransceiver(audio, { direction: 'sendonly' });
    return { pc, video, audio, sdp: await gatheredOffer(pc) };
  }

  /** Publishes into the slot; resolves once Régie answered and ICE + DTLS are up. */
  static async publish(endpoint: string, token: string, source: WhipSource): Promise<WhipCamera> {
    const { pc, video, audio, sdp } = await WhipCamera.offer();
    const up = connected(pc, 'WHIP publisher');
    let location: string;
    try {
      const res = await whipRequest(endpoint, 'POST', { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` }, sdp);
      if (res.status !== 201) throw new Error(`WHIP POST answered ${res.status}: ${res.body}`);
      location = new URL(String(res.headers.location), endpoint).toString();
      await pc.setRemoteDescription({ type: 'answer', sdp: res.body });
      await up;
    } catch (err) {
      up.catch(() => undefined); // closing it settles it
      await pc.close();
      throw err;
    }
    const [videoIn, audioIn] = await Promise.all([rtpInput(video), rtpInput(audio)]);
    const ffmpeg = spawn('ffmpeg', [...ffmpegArgs(source, videoIn.port, audioIn.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    ffmpeg.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    ffmpeg.once('exit', (code, signal) => {
      if (code && !signal) process.stderr.write(`WHIP camera's ffmpeg exited with ${code}:\n${err}\n`);
    });
    return new WhipCamera(pc, ffmpeg, [videoIn.socket, audioIn.socket], token, location);
  }

  /** Ends the session as an encoder that stops does: DELETE, then close. Returns DELETE's status. */
  async stop(): Promise<number> {
    const res = this.#stopped ? undefined : await whipRequest(this.resource, 'DELETE', { Authorization: `Bearer ${this.#token}` });
    await this.close();
    return res?.status ?? 0;
  }

  /** Stops sending without a word (an encoder whose network died). */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ffmpeg.kill('SIGKILL');
    for (const s of this.#sockets) s.close();
    await this.#pc.close();
  }
}

/** A UDP port on loopback whose RTP packets go out on the track. */
async function rtpInput(track: MediaStreamTrack): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (packet) => track.writeRtp(packet));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: (socket.address() as AddressInfo).port };
}

function ffmpegArgs(source: WhipSource, videoPort: number, audioPort: number): string[] {
  // 1200-byte packets leave room for SRTP and header extensions under a 1500-byte MTU.
  const rtp = (port: number) => `rtp://127.0.0.1:${port}?pkt_size=1200`;
  const common = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (source.kind === 'file') {
    return [
      ...common, '-re', '-stream_loop', '-1', '-i', source.path,
      // No bitstream filter: after the first loop ffmpeg 5.1's would send nothing more.
      '-map', '0:v:0', '-c:v', 'copy', '-f', 'rtp', rtp(videoPort),
      '-map', '0:a:0', '-c:a', 'copy', '-f', 'rtp', rtp(audioPort),
    ];
  }
  const { colour, toneHz, width = 640, height = 360, fps = 30 } = source;
  return [
    ...common, '-re',
    '-f', 'lavfi', '-i', `color=c=${colour}:s=${width}x${height}:r=${fps}`,
    '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`,
    // A keyframe a second: this encoder cannot answer Régie's keyframe requests (PLI).
    '-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency',
    '-g', String(fps), '-pix_fmt', 'yuv420p', '-bsf:v', 'dump_extra=freq=keyframe', '-f', 'rtp', rtp(videoPort),
    '-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '64k', '-f', 'rtp', rtp(audioPort),
  ];
}
