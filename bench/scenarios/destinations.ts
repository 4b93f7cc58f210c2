// 3. What a destination costs, three ways, on the same input and the same encode
// settings (Régie's own, from sfu/src/encoder/ffmpegArgs.ts), to real RTMP receivers:
//   (a) Régie: one encode to MPEG-TS, fanned out to one remuxing ffmpeg per destination
//       (Régie's own Output class: isolation, reconnects, health);
//   (b) naive: one ffmpeg per destination, each encoding on its own;
//   (c) tee: one ffmpeg, one encode, the tee muxer to every destination (no isolation:
//       by default one failing output ends them all).
// Input: a 720p30 test pattern with a tone, pre-encoded once, read in real time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { encoderArgs } from '../../sfu/src/encoder/ffmpegArgs.js';
import { DEFAULT_FORMAT } from '../../sfu/src/outputFormat.js';
import { Output } from '../../sfu/src/outputs/Output.js';
import { ProgramGop } from '../../sfu/src/outputs/ProgramGop.js';
import { descendants } from '../../testkit/processTree.js';
import { NginxRtmp } from '../../testkit/receivers.js';
import { ProcessMeter } from '../lib/processes.js';
import type { BenchContext } from '../context.js';

export type Approach = 'regie' | 'naive' | 'tee';
export type CostSample = { approach: Approach; destinations: number; seconds: number; cpuSecondsPerMinute: number; peakRssMiB: number; processes: number; receiving: number };
export type DestinationsResult = {
  input: string;
  samples: CostSample[];
  /** per destination count: each approach's CPU and memory relative to the naive way */
  ratios: { destinations: number; approach: Approach; cpu: number; memory: number }[];
};

const silent = pino({ level: 'silent' });

/** Régie's encode settings, reading a file in real time instead of the program's RTP. */
function encodeFromFile(file: string): string[] {
  const args = encoderArgs(DEFAULT_FORMAT, 0);
  const from = args.indexOf('-protocol_whitelist');
  const to = args.indexOf('pipe:0');
  return [...args.slice(0, from), '-re', '-stream_loop', '-1', '-i', file, ...args.slice(to + 1)];
}

/** The same encode, without its MPEG-TS-to-stdout tail. */
function encodeOnly(file: string): string[] {
  const args = encodeFromFile(file);
  return args.slice(0, args.indexOf('-output_ts_offset'));
}

async function makeInput(dir: string, seconds: number): Promise<string> {
  const file = join(dir, 'input.ts');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '18', '-g', '60', '-c:a', 'aac', '-b:a', '128k', '-f', 'mpegts', file]);
  return file;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => { err += d; });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${err.slice(-500)}`))));
  });
}

/** Streams the receiver has now, from nginx-rtmp's statistics page. */
async function receiving(nginx: NginxRtmp): Promise<number> {
  const xml = await fetch(`http://127.0.0.1:${nginx.httpPort}/stat`).then((r) => r.text()).catch(() => '');
  // One <stream> element per stream name; it says <publishing/> while someone publishes it.
  return xml.split('<stream>').slice(1).filter((chunk) => chunk.includes('<publishing/>')).length;
}

async function measure(approach: Approach, count: number, input: string, nginx: NginxRtmp, windowMs: number): Promise<CostSample> {
  const urls = Array.from({ length: count }, (_, i) => `${nginx.url(false)}/${approach}-${count}-${i}`);
  const children: ChildProcess[] = [];
  const outputs: Output[] = [];
  const spawnFfmpeg = (args: string[], stdout: 'pipe' | 'ignore' = 'ignore') => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', stdout, 'ignore'] });
    children.push(p);
    return p;
  };
  let fanOutCpu = 0;
  if (approach === 'regie') {
    // As the show's Broadcast does: whole packets, each link started on the latest keyframe.
    const gop = new ProgramGop();
    for (const [i, url] of urls.entries()) {
      const o = new Output({ id: `bench${i}`, name: `bench ${i}`, protocol: 'rtmp', url, enabled: true }, silent, () => gop.snapshot());
      o.start();
      outputs.push(o);
    }
    const encoder = spawnFfmpeg(encodeFromFile(input), 'pipe');
    encoder.stdout!.on('data', (chunk: Buffer) => {
      const packets = gop.push(chunk);
      if (packets.length) for (const o of outputs) o.write(packets);
    });
  } else if (approach === 'naive') {
    for (const url of urls) spawnFfmpeg(['-nostdin', ...encodeOnly(input), '-f', 'flv', url]);
  } else {
    const tee = urls.map((u) => `[f=flv:onfail=ignore]${u}`).join('|');
    spawnFfmpeg(['-nostdin', ...encodeOnly(input), '-flags', '+global_header', '-f', 'tee', tee]);
  }
  // Everything this approach runs: its ffmpegs (Output's too); for Régie also the fan-out in this process.
  const pids = () => descendants(process.pid, 'ffmpeg');
  await new Promise((r) => setTimeout(r, 4000)); // start-up and first keyframes out of the window
  const meter = new ProcessMeter(pids);
  const cpuBefore = process.cpuUsage();
  meter.start();
  await new Promise((r) => setTimeout(r, windowMs));
  const m = meter.stop();
  if (approach === 'regie') {
    const used = process.cpuUsage(cpuBefore);
    // This process did the fan-out (and the measuring, which every approach has): count it, to be fair.
    fanOutCpu = ((used.user + used.system) / 1e6 / m.seconds) * 60;
  }
  const streams = await receiving(nginx);
  for (const o of outputs) o.stop();
  for (const c of children) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1500));
  return {
    approach, destinations: count, seconds: m.seconds,
    cpuSecondsPerMinute: m.cpuSecondsPerMinute + fanOutCpu,
    peakRssMiB: m.peakRssMiB, processes: m.processes, receiving: streams,
  };
}

export async function destinations(ctx: BenchContext): Promise<DestinationsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'regie-bench-dest-'));
  const nginx = new NginxRtmp();
  try {
    ctx.progress('destinations: preparing a 720p30 input');
    const input = await makeInput(dir, 10);
    await nginx.start();
    const counts = ctx.quick ? [1, 3] : [1, 3, 6];
    const windowMs = ctx.quick ? 5000 : 30000;
    const samples: CostSample[] = [];
    for (const count of counts) {
      for (const approach of ['regie', 'naive', 'tee'] as const) {
        ctx.progress(`destinations: ${approach} × ${count}`);
        samples.push(await measure(approach, count, input, nginx, windowMs));
      }
    }
    const ratios = samples.map((s) => {
      const naive = samples.find((n) => n.approach === 'naive' && n.destinations === s.destinations)!;
      return { destinations: s.destinations, approach: s.approach, cpu: s.cpuSecondsPerMinute / naive.cpuSecondsPerMinute, memory: s.peakRssMiB / naive.peakRssMiB };
    });
    return { input: '1280x720 30 fps test pattern + 440 Hz tone, re-encoded with Régie\'s settings (x264 veryfast CBR 3000k, AAC 128k)', samples, ratios };
  } finally {
    nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
