// Whether other users can read this machine's process list. A destination's stream
// key is in its ffmpeg's command line (ffmpeg 5.1 takes an output URL only there), and
// every user can read every command line unless /proc is mounted with hidepid.
import { readFileSync } from 'node:fs';

export function procHidesOthers(mounts = (() => {
  try {
    return readFileSync('/proc/mounts', 'utf8');
  } catch {
    return '';
  }
})()): boolean {
  const proc = mounts.split('\n').map((l) => l.split(' ')).find((f) => f[1] === '/proc' && f[2] === 'proc');
  return Boolean(proc?.[3]?.split(',').some((o) => /^hidepid=(2|invisible|1|noaccess)$/.test(o)));
}
