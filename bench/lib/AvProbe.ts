// A/V offset as a viewer gets it: a camera flashes white and beeps at the same instant
// once a second; ffmpeg reads the stream (a receiver's URL, or a recording) and says, on
// the stream's own timeline, when each flash starts in the pictures and each beep in the
// sound. A player shows both by those timestamps, so their difference is what a viewer
// sees and hears apart: positive when the sound comes after the picture.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** a frame brighter than this (mean luma, 0–255) is a flash; the camera's colour is far below */
const FLASH_LUMA = 160;
/** a 5 ms window louder than this (RMS, dBFS) is a beep; the camera is silent in between */
const BEEP_DB = -30;
/** a flash and a beep further apart than this are not the same instant (the camera's period is 1 s) */
const PAIR_WITHIN_MS = 400;
/** sound is read in windows of this many samples at 48 kHz (5 ms) */
const WINDOW_SAMPLES = 240;

export type AvOnsets = { flashes: number[]; beeps: number[] };

/**
 * Values of one key in a metadata filter's printout ("frame:N pts:P pts_time:T" lines,
 * each followed by "key=value"), as [time in seconds, value] pairs.
 */
export function parseMetadataPrint(text: string, key: string): [number, number][] {
  const out: [number, number][] = [];
  let time: number | undefined;
  for (const line of text.split('\n')) {
    const t = /pts_time:(-?[\d.]+)/.exec(line);
    if (t) { time = Number(t[1]); continue; }
    if (time !== undefined && line.startsWith(`${key}=`)) {
      const v = line.slice(key.length + 1).trim();
      out.push([time, v === '-inf' ? Number.NEGATIVE_INFINITY : Number(v)]);
    }
  }
  return out;
}

/** Times (s) at which a series first rises above a threshold after being below it. */
export function onsets(series: [number, number][], above: number): number[] {
  const out: number[] = [];
  let wasAbove = true; // a stream that starts in the middle of one is not counted
  for (const [t, v] of series) {
    const is = v > above;
    if (is && !wasAbove) out.push(t);
    wasAbove = is;
  }
  return out;
}

/** Each flash with the beep nearest to it (within PAIR_WITHIN_MS): beep − flash, ms. */
export function pairOffsets({ flashes, beeps }: AvOnsets): number[] {
  const out: number[] = [];
  for (const f of flashes) {
    let best: number | undefined;
    for (const b of beeps) if (best === undefined || Math.abs(b - f) < Math.abs(best - f)) best = b;
    if (best !== undefined && Math.abs(best - f) * 1000 <= PAIR_WITHIN_MS) out.push(Math.round((best - f) * 1000));
  }
  return out;
}

/**
 * Reads `seconds` of a stream or file with ffmpeg and finds every flash and beep in it.
 * Audio is read in 5 ms windows, video frame by frame (33 ms at 30 fps): a single
 * offset is good to about ±17 ms, their median much better.
 */
export async function readAvOnsets(input: string, seconds: number, timeoutMs = (seconds + 30) * 1000): Promise<AvOnsets> {
  const dir = mkdtempSync(join(tmpdir(), 'regie-av-'));
  const v = join(dir, 'video.txt');
  const a = join(dir, 'audio.txt');
  try {
    const graph = `[0:v:0]scale=64:36,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=${v}[vo];` +
      `[0:a:0]aresample=48000,asetnsamples=${WINDOW_SAMPLES},astats=metadata=1:reset=1,ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=${a}[ao]`;
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', '8000000', '-i', input,
      '-filter_complex', graph, '-map', '[vo]', '-t', String(seconds), '-f', 'null', '-', '-map', '[ao]', '-t', String(seconds), '-f', 'null', '-'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`ffmpeg could not read ${input} for its flashes and beeps (exit ${code}): ${stderr.trim()}`);
    return {
      flashes: onsets(parseMetadataPrint(readFileSync(v, 'utf8'), 'lavfi.signalstats.YAVG'), FLASH_LUMA),
      // A window is stamped with its start; the beep began somewhere in it: its middle.
      beeps: onsets(parseMetadataPrint(readFileSync(a, 'utf8'), 'lavfi.astats.Overall.RMS_level'), BEEP_DB).map((t) => t + WINDOW_SAMPLES / 48000 / 2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
