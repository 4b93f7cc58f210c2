// SRT: ffmpeg remuxes and sends itself (no SRT in Node). Its progress report says how
// many bytes went out; SRT's own keepalives end a session whose peer is gone. The
// stream id rides in the URL, so it is in ffmpeg's command line (see the README's
// security model: /proc with hidepid keeps it from other users).
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log.js';
import type { Destination } from '../Destination.js';
import { classifyError } from '../outputState.js';
import type { Link, LinkEvents } from './Link.js';
import { remuxInput, RemuxProcess } from './RemuxProcess.js';

export function srtArgs(d: Destination): string[] {
  const url = new URL(d.url);
  url.searchParams.set('mode', 'caller'); // never a listener, whatever the URL asked
  if (d.streamKey) url.searchParams.set('streamid', d.streamKey);
  // Only SRT may be opened: whatever the URL says, never a local file.
  return [...remuxInput(), '-progress', 'pipe:1', '-stats_period', '1', '-protocol_whitelist', 'srt', '-f', 'mpegts', url.toString()];
}

export class SrtLink extends EventEmitter<LinkEvents> implements Link {
  readonly #remux: RemuxProcess;

  constructor(d: Destination, scrub: (text: string) => string, log: Logger) {
    super();
    this.#remux = new RemuxProcess(srtArgs(d), scrub, log);
    let progress = '';
    this.#remux.stdout.on('data', (chunk: Buffer) => {
      progress += chunk;
      let end: number;
      while ((end = progress.indexOf('progress=')) >= 0) {
        const nl = progress.indexOf('\n', end);
        if (nl < 0) break;
        const total = Number(/(?:^|\n)total_size=(\d+)/.exec(progress.slice(0, nl))?.[1] ?? NaN);
        if (Number.isFinite(total)) this.emit('accepted', total);
        progress = progress.slice(nl + 1);
      }
    });
    this.#remux.on('exit', (code, signal, stderr) => {
      const { kind, message } = classifyError(stderr);
      this.emit('ended', { kind, message, detail: `ffmpeg ${signal ?? code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  }

  write(chunk: Buffer): void {
    this.#remux.write(chunk);
  }

  frozen(): undefined {
    return undefined;
  }

  close(): void {
    this.#remux.kill();
  }
}
