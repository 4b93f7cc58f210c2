// Publishes an FLV stream (tags from FlvReader) to an RTMP or RTMPS server from Node
// itself, so the stream key never leaves this process (no URL in any argv, no `ps`
// leak), and the connection's health can be read from the connection: bytes the
// server acknowledged, bytes the kernel took, bytes still queued, anything heard back.
import { EventEmitter } from 'node:events';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Logger } from '../../log.js';
import { ChunkReader } from './ChunkReader.js';
import { ChunkWriter } from './ChunkWriter.js';
import { command, readCommand, setDataFrame, statusInfo, type CommandReply, type StatusInfo } from './commands.js';
import { FLV_AUDIO, FLV_SCRIPT, type FlvTag } from './FlvReader.js';
import { FlvPrologue } from './FlvPrologue.js';
import { c0c1, c2For, SERVER_HANDSHAKE_BYTES } from './handshake.js';
import { TagGate } from './TagGate.js';
import { hideKey, RtmpBadUrlError, RtmpError, RtmpNetworkError, RtmpRejectedError, RtmpTimeoutError, socketError } from './RtmpError.js';
import {
  acknowledgement, CSID_AUDIO, CSID_COMMAND, CSID_CONTROL, CSID_DATA, CSID_VIDEO, MSG_ACK, MSG_AUDIO, MSG_USER_CONTROL, MSG_VIDEO,
  MSG_WINDOW_ACK_SIZE, setChunkSize, UC_PING_REQUEST, UC_PING_RESPONSE, userControl, windowAckSize, type RtmpMessage,
} from './rtmpMessages.js';

export type RtmpPublisherOptions = {
  /** `rtmp://host[:1935]/app[/instance]` or `rtmps://host[:443]/app`, without the stream key. */
  url: string;
  streamKey: string;
  /** From the TCP connect to NetStream.Publish.Start. */
  timeoutMs?: number;
  /** Our outgoing chunk size: 4096 as ffmpeg and OBS use; fewer chunk headers per frame than 128. */
  chunkSize?: number;
  /**
   * Window Acknowledgement Size we ask of the server (0: do not send): how many bytes it
   * may read before acknowledging. nginx-rtmp 1.2.2 takes the client's value as its ack
   * window and, without one, never acknowledges (measured: 0 acks for 109 kB; with 16 KiB,
   * one ack per window crossed in a read). SRS does the same at half the window (from its
   * source, not measured); ffmpeg as a server honours it too. 128 KiB is about three acks
   * a second at the program's 3.1 Mb/s.
   */
  windowAckSize?: number;
  /** Past this many bytes queued in Node, video is dropped up to the next keyframe (audio at twice it). */
  maxQueuedBytes?: number;
  /** The stream's metadata and codec configuration, if earlier tags were read by someone else (a reconnect). */
  prologue?: FlvPrologue;
  /** Accept a self-signed certificate. For tests against a local server only. */
  allowSelfSigned?: boolean;
  now?: () => number;
  log?: Logger;
};

/** What the output reads each second to tell a live server from a frozen or gone one. */
export type RtmpLiveness = {
  /** Bytes handed to the socket (handshake, chunk headers, media). */
  bytesSent: number;
  /** Bytes the kernel took from Node (`socket.bytesWritten`). */
  bytesAccepted: number;
  /** Bytes waiting in Node's socket queue (`writableLength`): grows when the server stops reading. */
  queuedBytes: number;
  /** The sequence number of the server's last Acknowledgement (bytes it read; nginx wraps it at 0xF0000000). */
  ackedBytes: number;
  acks: number;
  lastAckAt?: number;
  /** Anything at all from the server: acks, pings, status. */
  lastReceivedAt?: number;
  bytesReceived: number;
  droppedTags: number;
  droppedBytes: number;
};

type Phase = 'idle' | 'connecting' | 'handshake' | 'connect' | 'createStream' | 'publish' | 'live' | 'closed';

const STEP: Record<Phase, string> = {
  idle: '', connecting: 'the connection', handshake: 'the RTMP handshake', connect: 'connect', createStream: 'createStream',
  publish: 'publish', live: '', closed: '',
};

type PublisherEvents = {
  /** NetStream.Publish.Start: media flows from now on. */
  published: [];
  /** Every onStatus the server sends (the key hidden from its description). */
  status: [StatusInfo];
  /** Once, when the connection is over: the error, or nothing if close() ended it. */
  closed: [RtmpError | undefined];
};

const TID_CONNECT = 1;
const TID_CREATE_STREAM = 4;

export class RtmpPublisher extends EventEmitter<PublisherEvents> {
  readonly host: string;
  readonly #opts: Required<Pick<RtmpPublisherOptions, 'timeoutMs' | 'chunkSize' | 'windowAckSize' | 'maxQueuedBytes'>> & RtmpPublisherOptions;
  readonly #url: URL;
  readonly #now: () => number;
  readonly #writer = new ChunkWriter();
  readonly #reader = new ChunkReader();
  readonly #prologue: FlvPrologue;
  readonly #gate: TagGate;
  #socket?: Socket;
  #phase: Phase = 'idle';
  #handshake: Buffer[] = [];
  #timer?: NodeJS.Timeout;
  #startedAt = 0;
  #streamId = 0;
  #serverWindow = 0;
  #lastAckSent = 0;
  #socketError?: RtmpError;
  #settle?: (err?: RtmpError) => void;
  #timestampBase?: number;
  #stats = { bytesSent: 0, ackedBytes: 0, acks: 0, bytesReceived: 0, lastAckAt: undefined as number | undefined, lastReceivedAt: undefined as number | undefined };

  constructor(options: RtmpPublisherOptions) {
    super();
    this.#opts = {
      ...options,
      timeoutMs: options.timeoutMs ?? 10_000,
      chunkSize: options.chunkSize ?? 4096,
      windowAckSize: options.windowAckSize ?? 128 * 1024,
      maxQueuedBytes: options.maxQueuedBytes ?? 2 * 1024 * 1024,
    };
    this.#now = options.now ?? Date.now;
    this.#prologue = options.prologue ?? new FlvPrologue();
    this.#gate = new TagGate(this.#opts.maxQueuedBytes);
    if (!URL.canParse(options.url)) throw new RtmpBadUrlError('the server URL is not a URL');
    this.#url = new URL(options.url);
    if (this.#url.protocol !== 'rtmp:' && this.#url.protocol !== 'rtmps:') throw new RtmpBadUrlError(`${this.#url.protocol} is not rtmp: or rtmps:`);
    if (!this.#app) throw new RtmpBadUrlError('the server URL names no application (rtmp://host/app)');
    this.host = this.#url.hostname.replace(/^\[(.*)\]$/, '$1');
  }

  get published(): boolean {
    return this.#phase === 'live';
  }

  /** The application: the URL's whole path (`app` or `app/instance`), query included, as servers expect it in connect. */
  get #app(): string {
    return this.#url.pathname.replace(/^\/+|\/+$/g, '') + this.#url.search;
  }

  get #where(): string {
    return `${this.host}:${this.#port}`;
  }

  get #port(): number {
    return Number(this.#url.port || (this.#url.protocol === 'rtmps:' ? 443 : 1935));
  }

  /**
   * Connects and publishes; resolves at NetStream.Publish.Start, rejects with an
   * RtmpError (also given to 'closed'). Once per publisher: a reconnect is a new one.
   */
  start(): Promise<void> {
    if (this.#phase !== 'idle') return Promise.reject(new Error('an RtmpPublisher publishes once; make a new one to reconnect'));
    this.#startedAt = this.#now();
    this.#phase = 'connecting';
    const promise = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => (err ? reject(err) : resolve());
    });
    this.#timer = setTimeout(() => this.#fail(new RtmpTimeoutError(STEP[this.#phase], this.#opts.timeoutMs)), this.#opts.timeoutMs);
    const tls = this.#url.protocol === 'rtmps:';
    const socket = tls
      ? tlsConnect({ host: this.host, port: this.#port, servername: isIP(this.host) ? undefined : this.host, rejectUnauthorized: !this.#opts.allowSelfSigned })
      : tcpConnect({ host: this.host, port: this.#port });
    this.#socket = socket;
    socket.setNoDelay(true); // frames are written whole; Nagle would only add latency
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      this.#phase = 'handshake';
      this.#write(c0c1());
    });
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('error', (err: NodeJS.ErrnoException) => { this.#socketError ??= socketError(err, this.host, this.#where); });
    socket.once('close', () => this.#onClose());
    this.#opts.log?.debug({ host: this.host, port: this.#port, tls }, 'rtmp: connecting');
    return promise;
  }

  /**
   * One FLV tag of the stream. Before the publish starts, only the metadata and codec
   * configuration are kept (sent first once it does). False if the tag was dropped.
   */
  writeTag(tag: FlvTag): boolean {
    const prologue = this.#prologue.note(tag);
    if (this.#phase !== 'live') return prologue ? false : this.#gate.drop(tag);
    return this.#gate.admit(tag, this.#socket!.writableLength) && this.#sendTag(tag);
  }

  liveness(): RtmpLiveness {
    return {
      ...this.#stats,
      bytesAccepted: this.#socket?.bytesWritten ?? 0,
      queuedBytes: this.#socket?.destroyed ? 0 : (this.#socket?.writableLength ?? 0),
      droppedTags: this.#gate.droppedTags,
      droppedBytes: this.#gate.droppedBytes,
    };
  }

  /** Ends the publish politely (FCUnpublish, deleteStream), then the connection. */
  async close(): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#phase === 'closed') return;
    if (this.#phase === 'live') {
      this.#send(CSID_COMMAND, command('FCUnpublish', 6, 0, null, this.#opts.streamKey));
      this.#send(CSID_COMMAND, command('deleteStream', 7, 0, null, this.#streamId));
    }
    this.#finish(undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end();
    const timer = setTimeout(() => socket.destroy(), 1000);
    await closed;
    clearTimeout(timer);
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#finish(undefined);
    this.#socket?.destroy();
  }

  #sendTag(tag: FlvTag, timestamp?: number): boolean {
    // Each session starts its clock at 0, even when the FLV it reads has been running
    // for an hour (a reconnect while the same ffmpeg goes on).
    if (timestamp === undefined) {
      this.#timestampBase ??= tag.timestamp;
      timestamp = Math.max(0, tag.timestamp - this.#timestampBase);
    }
    if (tag.type === FLV_SCRIPT) this.#send(CSID_DATA, setDataFrame(tag.payload, this.#streamId, timestamp));
    else this.#send(tag.type === FLV_AUDIO ? CSID_AUDIO : CSID_VIDEO, { typeId: tag.type === FLV_AUDIO ? MSG_AUDIO : MSG_VIDEO, streamId: this.#streamId, timestamp, payload: tag.payload });
    return true;
  }

  #send(csid: number, msg: RtmpMessage): void {
    this.#write(this.#writer.encode(csid, msg));
  }

  #write(bytes: Buffer): void {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    this.#stats.bytesSent += bytes.length;
    socket.write(bytes);
  }

  #onData(data: Buffer): void {
    if (this.#phase === 'closed') return;
    this.#stats.lastReceivedAt = this.#now();
    this.#stats.bytesReceived += data.length;
    try {
      if (this.#phase === 'handshake') {
        this.#handshake.push(data);
        const got = Buffer.concat(this.#handshake);
        if (got.length < SERVER_HANDSHAKE_BYTES) return;
        this.#handshake = [];
        this.#write(c2For(got));
        this.#onHandshakeDone();
        data = got.subarray(SERVER_HANDSHAKE_BYTES);
      }
      for (const msg of this.#reader.push(data)) this.#onMessage(msg);
    } catch (err) {
      this.#fail(err instanceof RtmpError ? err : new RtmpNetworkError(`the server sent something that is not RTMP (${(err as Error).name})`));
      return;
    }
    // Acknowledge the server's bytes as it asked: some servers stop sending without it.
    if (this.#serverWindow && this.#stats.bytesReceived - this.#lastAckSent >= this.#serverWindow) {
      this.#lastAckSent = this.#stats.bytesReceived;
      this.#send(CSID_CONTROL, acknowledgement(this.#stats.bytesReceived));
    }
  }

  #onHandshakeDone(): void {
    this.#send(CSID_CONTROL, setChunkSize(this.#opts.chunkSize));
    this.#writer.chunkSize = this.#opts.chunkSize;
    if (this.#opts.windowAckSize) this.#send(CSID_CONTROL, windowAckSize(this.#opts.windowAckSize));
    const tcUrl = `${this.#url.protocol}//${this.#url.host}/${this.#app}`;
    this.#phase = 'connect';
    this.#send(CSID_COMMAND, command('connect', TID_CONNECT, 0, { app: this.#app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Regie)', tcUrl }));
  }

  #onMessage(msg: RtmpMessage): void {
    const p = msg.payload;
    if (msg.typeId === MSG_ACK && p.length >= 4) {
      this.#stats.ackedBytes = p.readUInt32BE(0);
      this.#stats.acks++;
      this.#stats.lastAckAt = this.#now();
    } else if (msg.typeId === MSG_WINDOW_ACK_SIZE && p.length >= 4) {
      this.#serverWindow = p.readUInt32BE(0);
    } else if (msg.typeId === MSG_USER_CONTROL && p.length >= 6 && p.readUInt16BE(0) === UC_PING_REQUEST) {
      this.#send(CSID_CONTROL, userControl(UC_PING_RESPONSE, p.readUInt32BE(2)));
    } else {
      const reply = readCommand(msg);
      if (reply) this.#onCommand(reply);
    }
  }

  #onCommand(reply: CommandReply): void {
    const key = this.#opts.streamKey;
    const { name, transactionId } = reply;
    if (name === '_error' && (transactionId === TID_CONNECT || transactionId === TID_CREATE_STREAM)) {
      const info = statusInfo(reply);
      this.#fail(new RtmpRejectedError(hideKey(`${STEP[this.#phase]} failed: ${info.code || 'no code'} ${info.description}`.trim(), key), info.code));
    } else if (name === '_result' && transactionId === TID_CONNECT && this.#phase === 'connect') {
      this.#phase = 'createStream';
      this.#send(CSID_COMMAND, command('releaseStream', 2, 0, null, key));
      this.#send(CSID_COMMAND, command('FCPublish', 3, 0, null, key));
      this.#send(CSID_COMMAND, command('createStream', TID_CREATE_STREAM, 0, null));
    } else if (name === '_result' && transactionId === TID_CREATE_STREAM && this.#phase === 'createStream') {
      this.#streamId = typeof reply.args[0] === 'number' ? reply.args[0] : 1;
      this.#phase = 'publish';
      this.#send(CSID_COMMAND, command('publish', 5, this.#streamId, null, key, 'live'));
    } else if (name === 'onStatus') {
      const info = statusInfo(reply);
      info.description = hideKey(info.description, key);
      this.emit('status', info);
      if (info.level === 'error') {
        this.#fail(new RtmpRejectedError(`${info.code} ${info.description}`.trim(), info.code));
      } else if (info.code === 'NetStream.Publish.Start' && this.#phase === 'publish') {
        this.#phase = 'live';
        clearTimeout(this.#timer);
        this.#opts.log?.info({ host: this.host, ms: this.#now() - this.#startedAt }, 'rtmp: publishing');
        for (const tag of this.#prologue.tags()) this.#sendTag(tag, 0);
        this.#settle?.();
        this.#settle = undefined;
        this.emit('published');
      }
    }
  }

  #onClose(): void {
    if (this.#phase === 'closed') return;
    let err = this.#socketError;
    if (!err || err.kind === 'network') {
      // The server hung up. After connect or publish, before it said yes, that is how
      // platforms refuse a wrong stream key or application (RTMP has no standard error).
      if (this.#phase === 'connect') {
        err = new RtmpRejectedError('it closed the connection at connect, without a status: most likely an unknown application (the URL path)');
      } else if (this.#phase === 'createStream' || this.#phase === 'publish') {
        err = new RtmpRejectedError(`it closed the connection at ${STEP[this.#phase]}, without a status: most likely a wrong stream key`);
      } else {
        err ??= new RtmpNetworkError(this.#phase === 'live' ? `${this.#where} closed the connection` : `${this.#where} closed the connection during ${STEP[this.#phase]}`);
      }
    }
    this.#fail(err);
  }

  #fail(err: RtmpError): void {
    if (this.#phase === 'closed') return;
    this.#opts.log?.warn({ host: this.host, phase: this.#phase, kind: err.kind, err: err.message }, 'rtmp: publish ended');
    this.#finish(err);
    this.#socket?.destroy();
  }

  #finish(err: RtmpError | undefined): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    clearTimeout(this.#timer);
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(err ?? new RtmpNetworkError('closed before the publish started'));
    this.emit('closed', err);
  }
}
