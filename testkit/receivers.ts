// Real receivers on 127.0.0.1, as the platforms would be: nginx with the RTMP module
// (plain RTMP, and RTMPS through nginx's stream TLS front), and an SRT listener
// (ffmpeg). Each can be killed, restarted or frozen by a test, and a ColourViewer
// pulls what it currently shows.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColourViewer, type Region } from './ColourViewer.js';
import { freePort, waitForPort } from './ports.js';
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

  async start(attempt = 1): Promise<void> {
    const fresh = !this.rtmpPort;
    if (fresh) {
      [this.rtmpPort, this.rtmpsPort, this.httpPort] = [await freePort(), await freePort(), await freePort()];
      chmodSync(this.dir, 0o777);
      mkdirSync(join(this.dir, 'rec'), { mode: 0o777, recursive: true });
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
    // Started once it wrote its pid file (after binding every port). A port free when it
    // was picked can be taken before nginx binds it ("98: Address already in use"): nginx
    // exits, and its RTMP port may still answer, someone else's. Then new ports.
    // The old pid file goes before nginx starts: removed after, it was once removed just
    // after nginx wrote it (the test process preempted), and the wait never ended.
    const pidFile = join(this.dir, 'nginx.pid');
    rmSync(pidFile, { force: true });
    const proc = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'nginx', '-p', this.dir, '-c', join(this.dir, 'nginx.conf'), '-e', join(this.dir, 'error.log')], { stdio: 'ignore' });
    this.#proc = proc;
    let exited = false;
    proc.once('exit', () => { exited = true; });
    const lastError = () => readFileSync(join(this.dir, 'error.log'), 'utf8').trim().split('\n').pop() || 'nothing in its error log';
    const deadline = Date.now() + 20000;
    while (!exited && !existsSync(pidFile)) {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`nginx did not write its pid file within 20 s: ${lastError()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!exited) return waitForPort(this.rtmpPort);
    if (!fresh || attempt >= 3) throw new Error(`nginx did not start: ${lastError()}`);
    this.rtmpPort = 0;
    return this.start(attempt + 1);
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

  /** A viewer of the live stream with this key (of one region of its frame, if given). */
  viewer(key: string, region?: Region): ColourViewer {
    return new ColourViewer(['-i', `rtmp://127.0.0.1:${this.rtmpPort}/live/${key}`], [], undefined, region);
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
