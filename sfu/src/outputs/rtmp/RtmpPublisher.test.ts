// The publisher against small fake servers on 127.0.0.1: the happy path on the wire,
// and each way a server says no or says nothing, classified as the output needs it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.js';
import { Amf0EcmaArray, decodeAmf0, encodeAmf0 } from './amf0.js';
import { FakeRtmpServer, pingResponses, type FakeBehaviour } from './fakeRtmpServer.js';
import type { FlvTag } from './FlvReader.js';
import { RtmpError, RtmpRejectedError, socketError } from './RtmpError.js';
import { RtmpPublisher, type RtmpPublisherOptions } from './RtmpPublisher.js';
import { MSG_WINDOW_ACK_SIZE } from './rtmpMessages.js';

const KEY = 'live_8812_SeCrEtKeY';
const servers: FakeRtmpServer[] = [];
const publishers: RtmpPublisher[] = [];
afterEach(() => {
  for (const p of publishers.splice(0)) p.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function serve(behaviour: FakeBehaviour = {}, tls?: { cert: string; key: string }): Promise<FakeRtmpServer> {
  const server = new FakeRtmpServer(behaviour, tls);
  servers.push(server);
  await server.listen();
  return server;
}

function publisher(url: string, extra: Partial<RtmpPublisherOptions> = {}): RtmpPublisher {
  const p = new RtmpPublisher({ url, streamKey: KEY, timeoutMs: 3000, ...extra });
  publishers.push(p);
  return p;
}

/** Everything logged, as text, to check that no key ever reaches a log line. */
function memoryLog() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { log: createLogger('debug', sink), text: () => lines.join('') };
}

const tag = (type: number, timestamp: number, ...bytes: number[]): FlvTag => ({ type, timestamp, payload: Buffer.from(bytes) });
const metadata: FlvTag = { type: 18, timestamp: 0, payload: encodeAmf0('onMetaData', new Amf0EcmaArray({ width: 320 })) };
const avcConfig = tag(9, 0, 0x17, 0, 0, 0, 0, 1, 0x64);
const aacConfig = tag(8, 0, 0xaf, 0, 0x12, 0x10);

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function failure(p: Promise<unknown>): Promise<RtmpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RtmpError);
  return err as RtmpError;
}

describe('RtmpPublisher', () => {
  it('publishes: connect, releaseStream, FCPublish, createStream, publish, then the prologue and media on the created stream', async () => {
    const server = await serve({ ping: true });
    let clock = 1_000;
    const { log, text } = memoryLog();
    const p = publisher(`rtmp://127.0.0.1:${server.port}/live/inst`, { windowAckSize: 2000, now: () => clock, log });
    const starting = p.start();
    // ffmpeg writes its prologue before the server said yes: kept, sent first.
    for (const t of [metadata, avcConfig, aacConfig, tag(9, 0, 0x27, 1, 0, 0, 0, 0xee)]) p.writeTag(t);
    await starting;
    expect(p.published).toBe(true);
    expect(server.received.commands.map((c) => c.name)).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish']);
    expect(server.received.commands[0]).toEqual({
      name: 'connect', streamId: 0, args: [],
      object: { app: 'live/inst', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Regie)', tcUrl: `rtmp://127.0.0.1:${server.port}/live/inst` },
    });
    const publish = server.received.commands.at(-1)!;
    expect(publish).toMatchObject({ streamId: 1, args: [KEY, 'live'] });

    clock = 2_000;
    p.writeTag(tag(9, 5000, 0x27, 1, 0, 0, 0, 0xee)); // not a keyframe: nothing to decode it from yet
    p.writeTag(tag(9, 5033, 0x17, 1, 0, 0, 0, 0x65)); // keyframe: video starts here, at time 0
    p.writeTag(tag(8, 5040, 0xaf, 1, 0x21));
    p.writeTag({ type: 9, timestamp: 5066, payload: Buffer.alloc(5000, 0x27) }); // spans two chunks of 4096
    await until(() => server.received.media.length === 6);
    const media = server.received.media;
    expect(media.map((m) => [m.typeId, m.timestamp, m.streamId])).toEqual([[18, 0, 1], [9, 0, 1], [8, 0, 1], [9, 0, 1], [8, 7, 1], [9, 33, 1]]);
    // Script data goes out as @setDataFrame + the FLV's own onMetaData.
    expect(decodeAmf0(media[0]!.payload)).toEqual(['@setDataFrame', 'onMetaData', new Amf0EcmaArray({ width: 320 })]);
    expect(media[1]!.payload).toEqual(avcConfig.payload);
    expect(media[5]!.payload).toEqual(Buffer.alloc(5000, 0x27));
    expect(p.liveness()).toMatchObject({ droppedTags: 2 });

    // Liveness from the connection itself: the server acknowledges the window we asked
    // for, answers pings, and every byte it sends is dated.
    const window = server.received.control.find((m) => m.typeId === MSG_WINDOW_ACK_SIZE)!;
    expect(window.payload.readUInt32BE(0)).toBe(2000);
    await until(() => p.liveness().acks > 0 && pingResponses(server.received).length > 0);
    const l = p.liveness();
    expect(l.ackedBytes).toBeGreaterThanOrEqual(2000);
    expect(l.lastAckAt).toBe(2_000);
    expect(l.lastReceivedAt).toBe(2_000);
    expect(l.bytesSent).toBeGreaterThan(3072 + 5000);
    expect(l.bytesAccepted).toBe(l.bytesSent); // loopback: the kernel took everything
    expect(l.queuedBytes).toBe(0);
    expect(pingResponses(server.received)).toEqual([123456]);

    const closed = new Promise((r) => p.once('closed', r));
    await p.close();
    expect(await closed).toBeUndefined();
    await until(() => server.received.commands.some((c) => c.name === 'deleteStream'));
    expect(server.received.commands.map((c) => c.name)).toContain('FCUnpublish');
    expect(text()).not.toContain(KEY);
    expect(text()).toContain('rtmp: publishing');
  });

  it('is rejected when the server answers publish with NetStream.Publish.BadName, and the key appears in no message or log', async () => {
    const server = await serve({ publish: 'badname', echoKeyInStatus: true });
    const { log, text } = memoryLog();
    const p = publisher(`rtmp://127.0.0.1:${server.port}/live`, { log });
    const statuses: string[] = [];
    p.on('status', (s) => statuses.push(s.description));
    const err = await failure(p.start());
    expect(err).toBeInstanceOf(RtmpRejectedError);
    expect(err.kind).toBe('rejected');
    expect((err as RtmpRejectedError).code).toBe('NetStream.Publish.BadName');
    expect(err.message).toMatch(/BadName/);
    expect(statuses).toEqual(['Already publishing (stream ••••)']);
    for (const text_ of [err.message, String(err.stack), JSON.stringify(err), text(), ...statuses]) expect(text_).not.toContain(KEY);
    expect(server.received.commands.find((c) => c.name === 'publish')!.args[0]).toBe(KEY); // it did go to the server
  });

  it('is rejected when the server hangs up right after publish (how some platforms refuse a key)', async () => {
    const server = await serve({ publish: 'close' });
    const err = await failure(publisher(`rtmp://127.0.0.1:${server.port}/live`).start());
    expect(err.kind).toBe('rejected');
    expect(err.message).toBe('the server refused the stream: it closed the connection at publish, without a status: most likely a wrong stream key');
  });

  it('is rejected when connect gets _error (no such application)', async () => {
    const server = await serve({ connect: 'error' });
    const err = await failure(publisher(`rtmp://127.0.0.1:${server.port}/nope`).start());
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/connect failed: NetConnection.Connect.Rejected no such application/);
  });

  it('times out at its deadline when the server accepts the connection and never answers the handshake', async () => {
    const server = await serve({ handshake: false });
    const t0 = Date.now();
    const err = await failure(publisher(`rtmp://127.0.0.1:${server.port}/live`, { timeoutMs: 400 }).start());
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('the server did not answer the RTMP handshake within 0.4 s');
    // Not before it (a loaded machine can only make it later; the test's own timeout bounds it).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
  });

  it('is refused when nothing listens on the port', async () => {
    const server = await serve();
    server.close();
    servers.pop();
    await new Promise((r) => setTimeout(r, 20));
    const err = await failure(publisher(`rtmp://127.0.0.1:${server.port}/live`).start());
    expect(err.kind).toBe('refused');
  });

  it('reports a network error (retry) when the connection drops after media flowed', async () => {
    const server = await serve();
    const p = publisher(`rtmp://127.0.0.1:${server.port}/live`);
    await p.start();
    p.writeTag(tag(9, 0, 0x17, 1, 0, 0, 0, 1));
    await until(() => server.received.media.length === 1);
    const closed = new Promise<RtmpError | undefined>((r) => p.once('closed', r));
    for (const s of server.sockets) s.destroy();
    const err = await closed;
    expect(err?.kind).toBe('network');
    expect(p.published).toBe(false);
  });

  it('drops video up to the next keyframe rather than queue without end when the server stops reading', async () => {
    const server = await serve({ stopReading: true });
    const max = 256 * 1024;
    const p = publisher(`rtmp://127.0.0.1:${server.port}/live`, { maxQueuedBytes: max });
    await p.start();
    const frame = (i: number) => ({ type: 9, timestamp: i * 33, payload: Buffer.alloc(512 * 1024, i % 30 === 0 ? 0x17 : 0x27) });
    let sent = 0;
    for (let i = 0; i < 120; i++) if (p.writeTag(frame(i))) sent++;
    const l = p.liveness();
    expect(l.droppedTags).toBe(120 - sent);
    expect(l.droppedTags).toBeGreaterThan(0);
    expect(l.queuedBytes).toBeLessThanOrEqual(max + 512 * 1024 + 8192); // bounded: at most one frame past the limit
    expect(l.acks).toBe(0); // and a server that does not read acknowledges nothing: the output's stall signal
  });

  it('classifies socket errors: unknown host, refused, certificate', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(socketError(e('ENOTFOUND'), 'a.invalid', 'a.invalid:1935').kind).toBe('unknown-host');
    expect(socketError(e('EAI_AGAIN'), 'a.invalid', 'a.invalid:1935').kind).toBe('unknown-host');
    expect(socketError(e('ECONNREFUSED'), 'h', 'h:1935').kind).toBe('refused');
    expect(socketError(e('ECONNRESET'), 'h', 'h:1935').kind).toBe('network');
    expect(socketError(e('DEPTH_ZERO_SELF_SIGNED_CERT'), 'h', 'h:443').kind).toBe('bad-url');
    expect(socketError(e('ERR_TLS_CERT_ALTNAME_INVALID'), 'h', 'h:443').kind).toBe('bad-url');
  });

  it('refuses URLs it cannot publish to', () => {
    expect(() => new RtmpPublisher({ url: 'http://h/live', streamKey: KEY })).toThrow(/not rtmp/);
    expect(() => new RtmpPublisher({ url: 'rtmp://h/', streamKey: KEY })).toThrow(/no application/);
  });

  it('publishes over RTMPS, verifying the certificate unless told this is a test server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regie-rtmps-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tls = { cert: readFileSync(join(dir, 'c'), 'utf8'), key: readFileSync(join(dir, 'k'), 'utf8') };
    rmSync(dir, { recursive: true, force: true });
    const server = await serve({}, tls);
    const verified = await failure(publisher(`rtmps://localhost:${server.port}/live`).start());
    expect(verified.kind).toBe('bad-url');
    expect(verified.message).toMatch(/TLS certificate of localhost is not valid/);
    const p = publisher(`rtmps://localhost:${server.port}/live`, { allowSelfSigned: true });
    await p.start();
    p.writeTag(tag(9, 0, 0x17, 1, 0, 0, 0, 1));
    await until(() => server.received.media.length === 1);
    expect(server.received.commands.find((c) => c.name === 'connect')!.object).toMatchObject({ tcUrl: `rtmps://localhost:${server.port}/live` });
  });
});
