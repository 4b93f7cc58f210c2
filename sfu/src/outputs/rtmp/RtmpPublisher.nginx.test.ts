// The publisher against a real nginx-rtmp on 127.0.0.1 (as testkit/receivers.ts
// runs it): an FLV made by ffmpeg goes in tag by tag, and nginx's own recording must
// hold every video and audio frame. Also over RTMPS (nginx stream TLS in front), a
// key the server refuses, and what a frozen server looks like from the connection.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, waitForPort } from '../../../../testkit/ports.js';
import { FlvReader, type FlvTag } from './FlvReader.js';
import { RtmpPublisher, type RtmpLiveness } from './RtmpPublisher.js';

const MODULES = '/usr/lib/nginx/modules';
const missing = ['/usr/sbin/nginx', `${MODULES}/ngx_rtmp_module.so`, `${MODULES}/ngx_stream_module.so`, '/usr/bin/ffmpeg', '/usr/bin/ffprobe', '/usr/bin/setpriv']
  .filter((f) => !existsSync(f));
const REFUSED_KEY = 'refused-key';

function frames(file: string): Record<string, number> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  const streams = (JSON.parse(out) as { streams: { codec_type: string; nb_read_frames: string }[] }).streams;
  return Object.fromEntries(streams.map((s) => [s.codec_type, Number(s.nb_read_frames)]));
}

/** Sends the tags as a live source would: each when its timestamp is due. */
/**
 * Bytes sent that nginx has not acknowledged: its acknowledgements count what it read
 * after the handshake (C0, C1, C2: 3073 bytes of ours; measured: the last ack of a
 * 108,991-byte publish said 105,918).
 */
function unacknowledged(p: Pick<RtmpPublisher, 'liveness'>): number {
  const l = p.liveness();
  return l.bytesSent - 3073 - l.ackedBytes;
}

async function paced(p: RtmpPublisher, tags: FlvTag[], offsetMs: number, onTick?: () => void): Promise<void> {
  const t0 = Date.now();
  for (const tag of tags) {
    const due = t0 + tag.timestamp - offsetMs;
    if (due > Date.now()) {
      onTick?.();
      await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    p.writeTag(tag);
  }
}

describe.skipIf(missing.length > 0)(`RtmpPublisher against nginx-rtmp${missing.length ? ` (skipped: not installed: ${missing.join(', ')})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'regie-rtmp-nginx-'));
  const rec = join(dir, 'rec');
  let nginx: ChildProcess | undefined;
  let rtmpPort = 0;
  let rtmpsPort = 0;
  let tags: FlvTag[] = [];

  beforeAll(async () => {
    [rtmpPort, rtmpsPort] = [await freePort(), await freePort()];
    const httpPort = await freePort();
    chmodSync(dir, 0o777);
    mkdirSync(rec, { mode: 0o777 });
    chmodSync(rec, 0o777);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    chmodSync(join(dir, 'tls.key'), 0o644);
    writeFileSync(join(dir, 'nginx.conf'), `
load_module ${MODULES}/ngx_rtmp_module.so;
load_module ${MODULES}/ngx_stream_module.so;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
rtmp {
  access_log off;
  server {
    listen 127.0.0.1:${rtmpPort};
    application live {
      live on;
      record all;
      record_path ${rec};
      record_unique on;
      notify_method get;
      on_publish http://127.0.0.1:${httpPort}/publish;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${httpPort};
    location /publish { if ($arg_name = "${REFUSED_KEY}") { return 403; } return 204; }
  }
}
stream {
  server {
    listen 127.0.0.1:${rtmpsPort} ssl;
    ssl_certificate ${dir}/tls.crt;
    ssl_certificate_key ${dir}/tls.key;
    proxy_pass 127.0.0.1:${rtmpPort};
  }
}
`);
    nginx = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    // 3 s of 320x180 test picture and a tone, as the remuxing ffmpeg would write it.
    const flv = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine',
      '-t', '3', '-threads', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-f', 'flv', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
    const reader = new FlvReader();
    // Fed in pipe-sized pieces, as from ffmpeg's stdout.
    for (let i = 0; i < flv.length; i += 65536) tags.push(...reader.push(flv.subarray(i, i + 65536)));
    await waitForPort(rtmpPort);
  }, 30_000);

  afterAll(() => {
    if (nginx?.pid) {
      try { process.kill(nginx.pid, 'SIGCONT'); } catch { /* gone */ }
    }
    nginx?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const recordings = () => readdirSync(rec).filter((f) => f.endsWith('.flv')).sort().map((f) => join(rec, f));

  async function publishAll(url: string, key: string, opts: { windowAckSize?: number; allowSelfSigned?: boolean } = {}): Promise<{ ms: number; liveness: RtmpLiveness }> {
    const before = new Set(recordings());
    const p = new RtmpPublisher({ url, streamKey: key, timeoutMs: 5000, ...opts });
    const t0 = performance.now();
    await p.start();
    const ms = Math.round(performance.now() - t0);
    for (const tag of tags) p.writeTag(tag);
    if (opts.windowAckSize) {
      // nginx acknowledges each window it reads: wait for the last one (fewer than a
      // window of bytes left unacknowledged), however slow the machine.
      await vi.waitFor(() => expect(unacknowledged(p)).toBeLessThan(opts.windowAckSize!), { timeout: 5000, interval: 10 });
    } else {
      await new Promise((r) => setTimeout(r, 300)); // (no ack is due: a moment for a wrong one to show)
    }
    const liveness = p.liveness();
    await p.close();
    // Frames: AVC/AAC packet type 1 (not the codec configuration, not ffmpeg's end-of-sequence tag).
    const expected = { video: tags.filter((t) => t.type === 9 && t.payload[1] === 1).length, audio: tags.filter((t) => t.type === 8 && t.payload[1] === 1).length };
    expect(expected).toEqual({ video: 90, audio: 131 }); // 3 s at 30 fps; 3 s of 44.1 kHz AAC
    // nginx writes the recording as it reads, and closes it when the publisher goes.
    await vi.waitFor(() => {
      const made = recordings().filter((f) => !before.has(f));
      expect(made).toHaveLength(1);
      expect(frames(made[0]!)).toEqual(expected);
    }, { timeout: 5000, interval: 50 });
    return { ms, liveness };
  }

  it('publishes an ffmpeg FLV over RTMP: nginx records every video and audio frame, and acknowledges the window we asked for', async () => {
    const { ms, liveness } = await publishAll(`rtmp://127.0.0.1:${rtmpPort}/live`, 'itest', { windowAckSize: 16 * 1024 });
    console.info(`nginx rtmp: publish started in ${ms} ms; ${tags.length} tags, ${liveness.bytesSent} bytes sent, ${liveness.acks} acks (last ${liveness.ackedBytes} bytes), ${liveness.bytesReceived} bytes received`);
    expect(ms).toBeLessThan(2000);
    expect(liveness.bytesAccepted).toBe(liveness.bytesSent);
    // Every full window was acknowledged (publishAll waited for that), in more than one ack.
    expect(unacknowledged({ liveness: () => liveness })).toBeLessThan(16 * 1024);
    expect(liveness.acks).toBeGreaterThanOrEqual(2);
  });

  it('gets no Acknowledgement at all from nginx unless it sends a Window Acknowledgement Size itself', async () => {
    const { liveness } = await publishAll(`rtmp://127.0.0.1:${rtmpPort}/live`, 'itest-noack', { windowAckSize: 0 });
    console.info(`nginx rtmp without a client window: ${liveness.bytesSent} bytes sent, ${liveness.acks} acks`);
    expect(liveness.acks).toBe(0);
  });

  it('publishes over RTMPS (nginx stream TLS in front of RTMP) with a self-signed certificate allowed for the test', async () => {
    const { ms, liveness } = await publishAll(`rtmps://127.0.0.1:${rtmpsPort}/live`, 'itest-tls', { allowSelfSigned: true, windowAckSize: 16 * 1024 });
    console.info(`nginx rtmps: publish started in ${ms} ms; ${liveness.bytesSent} bytes sent (plaintext), ${liveness.bytesAccepted} accepted by the TLS socket, ${liveness.acks} acks`);
    expect(liveness.acks).toBeGreaterThan(0);
  });

  it('is rejected when nginx refuses the key (on_publish answers 403)', async () => {
    const p = new RtmpPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live`, streamKey: REFUSED_KEY, timeoutMs: 5000 });
    const err = await p.start().then(() => undefined, (e: Error & { kind?: string }) => e);
    expect(err?.kind).toBe('rejected');
    expect(err?.message).not.toContain(REFUSED_KEY);
    console.info(`nginx refused key: ${err?.message}`);
  });

  it('is rejected when the application does not exist (nginx hangs up at connect)', async () => {
    const p = new RtmpPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/nope`, streamKey: 'itest', timeoutMs: 5000 });
    const err = await p.start().then(() => undefined, (e: Error & { kind?: string }) => e);
    expect(err?.kind).toBe('rejected');
    expect(err?.message).toMatch(/unknown application/);
  });

  it('shows a frozen nginx in the connection itself: acknowledgements stop while the kernel still takes our bytes', async () => {
    const p = new RtmpPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live`, streamKey: 'itest-frozen', timeoutMs: 5000, windowAckSize: 8 * 1024 });
    await p.start();
    await paced(p, tags.filter((t) => t.timestamp < 1500), 0);
    // nginx acknowledges each 8 KiB it reads; the last ack for what was sent may still be on
    // its way. Freeze only once it has arrived, so that every later ack would be nginx's own.
    await vi.waitFor(() => expect(unacknowledged(p)).toBeLessThan(8 * 1024), { timeout: 5000, interval: 10 });
    const beforeFreeze = p.liveness();
    expect(beforeFreeze.acks).toBeGreaterThan(0);
    process.kill(nginx!.pid!, 'SIGSTOP');
    try {
      const frozenAt = Date.now();
      await paced(p, tags.filter((t) => t.timestamp >= 1500), 1500);
      const frozen = p.liveness();
      console.info(`nginx frozen for ${Date.now() - frozenAt} ms: acks ${beforeFreeze.acks} → ${frozen.acks}, bytes sent ${beforeFreeze.bytesSent} → ${frozen.bytesSent}, accepted by the kernel ${frozen.bytesAccepted}, queued in Node ${frozen.queuedBytes}`);
      expect(frozen.acks).toBe(beforeFreeze.acks);
      expect(frozen.bytesSent).toBeGreaterThan(beforeFreeze.bytesSent);
      expect(frozen.bytesAccepted).toBe(frozen.bytesSent); // the kernel buffers hide the freeze: only the acks tell
      expect(frozen.lastAckAt!).toBeLessThan(frozenAt + 100);
    } finally {
      process.kill(nginx!.pid!, 'SIGCONT');
    }
    // Thawed, nginx reads its backlog and acknowledges again.
    await vi.waitFor(() => expect(p.liveness().acks).toBeGreaterThan(beforeFreeze.acks), { timeout: 5000, interval: 10 });
    await p.close();
  });
});
