// Test fixture: a program as the encoder muxes it (H.264 + AAC in MPEG-TS), made by
// real ffmpeg, for the tests of what the outputs do with the encoder's stream.
import { spawnSync } from 'node:child_process';

/** `seconds` of 30 fps H.264 (a keyframe every `gop` frames) and AAC, as the encoder muxes them. */
export function programTs(seconds: number, gop: number): Buffer {
  const res = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x180:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-c:a', 'aac', '-f', 'mpegts', '-muxdelay', '0', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`ffmpeg failed: ${res.stderr}`);
  return res.stdout;
}
