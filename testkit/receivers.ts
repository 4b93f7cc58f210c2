// Real receivers on 127.0.0.1, as the platforms would be: nginx with the RTMP module
// (plain RTMP, and RTMPS through nginx's stream TLS front), and an SRT listener
// (ffmpeg). Each can be killed, restarted or frozen by a test, and a "viewer" pulls
// what it currently shows as 1x1 colour frames decoded by ffmpeg.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, type Colour } from './browser.js';
import { freePort } from './server.js';
import { testCertificate } from './tlsCert.js';

const MODULES = '/usr/lib/nginx/modules';
export const REJECTED_KEY = 'rejected-key';


/** nginx-rtmp: RTMP on one port, RTMPS (TLS terminated by nginx stream) on another. */
export class NginxRtmp {
  readonly dir = mkdtempSync(join(tmpdir(), 'regie-nginx-'));
  rtmpPort = 0;
  rtmpsPort = 0;
  httpPort = 0;
  #proc?: ChildProcess;

  async start(): Promise<void> {
    if (!this.rtmpPort) {
      [this.rtmpPort, this.rtmpsPort, this.httpPort] = [await freePort(), await freePort(), await freePort()];
      chmodSync(this.dir, 0o777);
      mkdirSync(join(this.dir, 'rec'), { mode: 0o777 });
      chmodSync(join(this.dir, 'rec'), 0o777);
      const tls = testCertificate();
      writeFileSync(join(this.dir, 'nginx.conf'), `
load_module ${MODULES}/ngx_rtmp_module.so;
load_module ${MODULES}/ngx_stream_module.so;
daemon off;
master_process off;
pid ${this.dir}/nginx.pid;
error_log ${this.dir}/error.log warn;
events { worker_connections 256; }
rtmp {
  access_log off;
  server {
    listen 127.0.0.1:${this.rtmpPort};
    application live {
      live on;
      record all;
      record_path ${this.dir}/rec;
      record_unique on;
      # A stream key the "platform" refuses, as a wrong key would be.
      notify_method get;
      on_publish http://127.0.0.1:${this.httpPort}/publish;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${this.dir}/body;
  proxy_temp_path ${this.dir}/proxy;
  fastcgi_temp_path ${this.dir}/fastcgi;
  uwsgi_temp_path ${this.dir}/uwsgi;
  scgi_temp_path ${this.dir}/scgi;
  server {
    listen 127.0.0.1:${this.httpPort};
    location /publish { if ($arg_name = "${REJECTED_KEY}") { return 403; } return 204; }
    location /stat { rtmp_stat all; }
  }
}
stream {
  server {
    listen 127.0.0.1:${this.rtmpsPort} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    proxy_pass 127.0.0.1:${this.rtmpPort};
  }
}
`);
    }
    const proc = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'nginx', '-p', this.dir, '-c', join(this.dir, 'nginx.conf'), '-e', join(this.dir, 'error.log')], { stdio: 'ignore' });
    this.#proc = proc;
    await waitForPort(this.rtmpPort);
  }

  kill(): void {
    this.#proc?.kill('SIGKILL');
    this.#proc = undefined;
  }

  freeze(): void { if (this.#proc?.pid) process.kill(this.#proc.pid, 'SIGSTOP'); }
  thaw(): void { if (this.#proc?.pid) process.kill(this.#proc.pid, 'SIGCONT'); }

  /** Recorded FLV files, one per publishing session. */
  recordings(): string[] {
    return readdirSync(join(this.dir, 'rec')).filter((f) => f.endsWith('.flv')).map((f) => join(this.dir, 'rec', f));
  }

  url(tls: boolean): string {
    return tls ? `rtmps://127.0.0.1:${this.rtmpsPort}/live` : `rtmp://127.0.0.1:${this.rtmpPort}/live`;
  }

  /** A viewer of the live stream with this key. */
  viewer(key: string): ColourViewer {
    return new ColourViewer(['-i', `rtmp://127.0.0.1:${this.rtmpPort}/live/${key}`]);
  }

  stop(): void {
    this.thaw();
    this.kill();
  }
}

/** An SRT listener (ffmpeg) that records what it receives and reports its colours live. */
export class SrtListener {
  port = 0;
  readonly dir = mkdtempSync(join(tmpdir(), 'regie-srt-'));
  viewer?: ColourViewer;
  #sessions = 0;

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const file = join(this.dir, `session-${++this.#sessions}.ts`);
    // One ffmpeg per session: when the sender goes, it ends, and a new one listens.
    this.viewer = new ColourViewer(['-i', `srt://127.0.0.1:${this.port}?mode=listener&latency=200000`], ['-map', '0', '-c', 'copy', '-f', 'mpegts', file], () => {
      if (!this.#stopped) void this.start();
    });
  }

  #stopped = false;
  recordings(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith('.ts')).map((f) => join(this.dir, f));
  }

  url(): string {
    return `srt://127.0.0.1:${this.port}`;
  }

  stop(): void {
    this.#stopped = true;
    this.viewer?.stop();
  }
}

/** Decodes a live stream to one averaged pixel, 5 times a second, and keeps the history. */
export class ColourViewer {
  readonly seen: { at: number; colour: Colour; rgb: [number, number, number] }[] = [];
  #proc?: ChildProcess;
  #stopped = false;

  constructor(readonly input: string[], readonly extraOutput: string[] = [], readonly onEnd?: () => void) {
    this.#run();
  }

  #run(): void {
    // One thread and no deblocking: the colour survives, and the test machine keeps its
    // cores for the show under test.
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', '1', '-skip_loop_filter', 'all', '-rw_timeout', '15000000', '-analyzeduration', '2000000', ...this.input,
      '-map', '0:v:0', '-vf', 'fps=5,scale=1:1:flags=area,format=rgb24', '-f', 'rawvideo', 'pipe:1', ...this.extraOutput], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#proc = proc;
    let buf = Buffer.alloc(0);
    proc.stdout!.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 3) {
        const rgb: [number, number, number] = [buf[0]!, buf[1]!, buf[2]!];
        this.seen.push({ at: Date.now(), colour: classify(rgb) ?? 'other', rgb });
        buf = buf.subarray(3);
      }
    });
    // A player that hangs on (a server that froze and came back, a publisher that
    // changed) is started again, as a viewer reloading the page would.
    // (Not for a listener: it is the receiver itself, and waits for its sender.)
    const watchdog = setInterval(() => {
      const last = Math.max(this.seen.at(-1)?.at ?? 0, started);
      if (!this.onEnd && Date.now() - last > 8000) proc.kill('SIGKILL');
    }, 1000);
    const started = Date.now();
    proc.once('exit', () => {
      clearInterval(watchdog);
      if (this.#stopped) return;
      if (this.onEnd) { this.onEnd(); return; }
      setTimeout(() => { if (!this.#stopped) this.#run(); }, 300); // the stream ended: look again
    });
  }

  /**
   * Start the player again, as a viewer reloading the page would. Not a listener: it is
   * the receiver itself (killing it would drop the sender's session).
   */
  restart(): void {
    if (this.onEnd) return;
    this.#proc?.kill('SIGKILL'); // its exit handler starts a new one
  }

  get current(): Colour | undefined {
    const last = this.seen.at(-1);
    return last && Date.now() - last.at < 1500 ? last.colour : undefined;
  }

  /** The colour shown now, only if decoded at or after `since` (a frame of a later session). */
  currentSince(since: number): Colour | undefined {
    const last = this.seen.at(-1);
    return last && last.at >= since ? this.current : undefined;
  }

  async waitFor(colour: Colour, timeoutMs: number, since = 0): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      if (this.currentSince(since) === colour) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = this.seen.at(-1);
    throw new Error(`receiver did not show ${colour} within ${timeoutMs} ms (last: ${last ? `${last.colour} rgb(${last.rgb.join(',')}) ${Date.now() - last.at} ms ago, ${this.seen.filter((f) => f.at >= start).length} frames since the wait began` : 'nothing'})`);
  }

  /** The longest time without a decoded frame between `from` and now. */
  longestGapSince(from: number): number {
    const times = [from, ...this.seen.filter((s) => s.at >= from).map((s) => s.at), Date.now()];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
    return gap;
  }

  stop(): void {
    this.#stopped = true;
    this.#proc?.kill('SIGKILL');
  }
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

