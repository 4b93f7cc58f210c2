// The camera that costs nothing to run: a pre-encoded 720p30 H.264 + Opus file that a
// WHIP publisher sends as it is (no encode), so the machine's cores measure Régie.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * 10 s of 720p30 H.264 (no B-frames, a keyframe a second, 2 Mbit/s) and Opus, made once
 * per machine. MPEG-TS: its H.264 is Annex B with SPS and PPS before every keyframe, so
 * the publisher sends it with no bitstream filter (ffmpeg 5.1's filters stop the stream
 * where `-stream_loop` starts the file again).
 */
export function preEncodedCamera(): string {
  const dir = join(tmpdir(), 'regie-bench');
  mkdirSync(dir, { recursive: true });
  // The name says how it is made (a change makes a new file) ...
  const file = join(dir, 'camera-720p30-g30-2M-v2.ts');
  if (!existsSync(file)) {
    const part = `${file}.${process.pid}.ts`; // ... and two runs at once do not write one file
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-g', '30', '-bf', '0', '-b:v', '2000k', '-maxrate', '2000k', '-bufsize', '2000k',
      '-pix_fmt', 'yuv420p', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2', part]);
    renameSync(part, file);
  }
  return file;
}
