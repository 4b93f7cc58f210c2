// The program path — the mixer that composes the program and the encoder that feeds
// every destination — runs ahead of everything else on the machine. The encoder cannot
// skip work it falls behind on: its RTP waits in its socket, and that wait is the
// program's delay at every destination from then on (a live show beside two busy
// loops: its video socket held 600-770 KB). The bench's latency section beside one
// busy loop at nice 3 read glass-to-glass at the receiver 804 ms p50 with the program
// path at nice 0, 1057 ms at -5, 381 ms at -10 (one run each; unloaded, 219-304 ms
// whatever the value, the spread between runs). Chromium run as root raises its
// renderer threads to -8 (the bench's browsers, or a studio opened on the server
// itself): -10 is above them.
// Raising a priority needs root or CAP_SYS_NICE; without it they run as everything else.
import { spawnSync } from 'node:child_process';

/** the program path's nice, relative to the server's own: well ahead of ordinary processes */
export const PROGRAM_NICE = -10;

let allowed: boolean | undefined;

/** Whether this process may start children at `PROGRAM_NICE` (asked once, by trying). */
export function mayRaisePriority(): boolean {
  // GNU nice runs the command even when it cannot set the value: it then says so on stderr.
  allowed ??= (() => {
    const r = spawnSync('nice', ['-n', String(PROGRAM_NICE), 'true'], { encoding: 'utf8' });
    return r.status === 0 && !r.stderr;
  })();
  return allowed;
}

/** The command line that starts `command` at the program path's priority, where allowed. */
export function ahead(command: string, args: string[]): [string, string[]] {
  return mayRaisePriority() ? ['nice', ['-n', String(PROGRAM_NICE), command, ...args]] : [command, args];
}
