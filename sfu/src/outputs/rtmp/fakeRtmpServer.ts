// Test helper: an RTMP server speaking just enough of the protocol to publish to —
// handshake, connect, createStream, publish — with the ways real servers misbehave
// switchable: never answering, refusing the key, hanging up, not reading.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { decodeAmf0, type Amf0Value } from './amf0.js';
import { ChunkReader } from './ChunkReader.js';
import { ChunkWriter } from './ChunkWriter.js';
import { command } from './commands.js';
import {
  acknowledgement, MSG_COMMAND_AMF0, MSG_USER_CONTROL, MSG_WINDOW_ACK_SIZE, setChunkSize, setPeerBandwidth, UC_PING_REQUEST, userControl,
  windowAckSize, type RtmpMessage,
} from './rtmpMessages.js';

export type FakeBehaviour = {
  /** false: accept the connection and never answer the handshake (a frozen server). */
  handshake?: boolean;
  connect?: 'result' | 'error' | 'close';
  publish?: 'start' | 'badname' | 'close';
  /** Echo the stream name back in the status description, as some servers do. */
  echoKeyInStatus?: boolean;
  /** Send a PingRequest once publishing. */
  ping?: boolean;
  /** Stop reading from the socket once publishing (alive but not reading: kernel buffers fill). */
  stopReading?: boolean;
};

export type Received = { commands: { name: string; object: Amf0Value; args: Amf0Value[]; streamId: number }[]; media: RtmpMessage[]; control: RtmpMessage[] };

export class FakeRtmpServer {
  readonly received: Received = { commands: [], media: [], control: [] };
  readonly sockets: Socket[] = [];
  port = 0;
  #server: Server;

  constructor(readonly behaviour: FakeBehaviour = {}, tls?: { cert: string; key: string }) {
    const onConnection = (s: Socket) => this.#serve(s);
    this.#server = tls ? createTlsServer(tls, onConnection) : createServer(onConnection);
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as { port: number }).port;
    return `127.0.0.1:${this.port}`;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.#server.close();
  }

  #serve(socket: Socket): void {
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    const b = this.behaviour;
    if (b.handshake === false) return;
    const writer = new ChunkWriter();
    const reader = new ChunkReader();
    const send = (csid: number, msg: RtmpMessage) => socket.write(writer.encode(csid, msg));
    let handshake = Buffer.alloc(0);
    let stage: 'c0c1' | 'c2' | 'chunks' = 'c0c1';
    let ackWindow = 0;
    let received = 0;
    let lastAck = 0;
    socket.on('data', (d: Buffer) => {
      if (stage !== 'chunks') {
        handshake = Buffer.concat([handshake, d]);
        if (stage === 'c0c1' && handshake.length >= 1537) {
          socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 1), handshake.subarray(1, 1537)])); // S0 S1 S2
          handshake = handshake.subarray(1537);
          stage = 'c2';
        }
        if (stage === 'c2' && handshake.length >= 1536) {
          d = handshake.subarray(1536);
          stage = 'chunks';
          send(2, windowAckSize(5_000_000));
          send(2, setPeerBandwidth(5_000_000, 2));
          send(2, setChunkSize(4000));
          writer.chunkSize = 4000;
        } else return;
      }
      received += d.length;
      for (const msg of reader.push(d)) {
        if (msg.typeId === MSG_COMMAND_AMF0) {
          const [name, tid, object, ...args] = decodeAmf0(msg.payload);
          this.received.commands.push({ name: name as string, object, args, streamId: msg.streamId });
          this.#answer(name as string, tid as number, args, send, socket);
        } else if (msg.typeId === 8 || msg.typeId === 9 || msg.typeId === 18) {
          this.received.media.push(msg);
        } else {
          if (msg.typeId === MSG_WINDOW_ACK_SIZE) ackWindow = msg.payload.readUInt32BE(0);
          this.received.control.push(msg);
        }
      }
      // As nginx-rtmp does: acknowledge every window the client asked for.
      if (ackWindow && received - lastAck >= ackWindow) {
        lastAck = received;
        send(2, acknowledgement(received));
      }
    });
  }

  #answer(name: string, tid: number, args: Amf0Value[], send: (csid: number, m: RtmpMessage) => void, socket: Socket): void {
    const b = this.behaviour;
    const status = (level: string, code: string, description: string) =>
      send(5, command('onStatus', 0, 1, null, { level, code, description }));
    if (name === 'connect') {
      if (b.connect === 'close') socket.destroy();
      else if (b.connect === 'error') send(3, command('_error', tid, 0, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no such application' }));
      else send(3, command('_result', tid, 0, { fmsVer: 'FMS/3,0,1,123' }, { level: 'status', code: 'NetConnection.Connect.Success' }));
    } else if (name === 'createStream') {
      send(3, command('_result', tid, 0, null, 1));
    } else if (name === 'publish') {
      const key = String(args[0]);
      const shown = b.echoKeyInStatus ? ` (stream ${key})` : '';
      if (b.publish === 'close') socket.destroy();
      else if (b.publish === 'badname') status('error', 'NetStream.Publish.BadName', `Already publishing${shown}`);
      else {
        send(2, userControl(0, 1)); // StreamBegin
        status('status', 'NetStream.Publish.Start', `Start publishing${shown}`);
        if (b.ping) send(2, userControl(UC_PING_REQUEST, 123456));
        if (b.stopReading) socket.pause();
      }
    }
  }
}

export const pingResponses = (r: Received) =>
  r.control.filter((m) => m.typeId === MSG_USER_CONTROL && m.payload.readUInt16BE(0) === 7).map((m) => m.payload.readUInt32BE(2));
