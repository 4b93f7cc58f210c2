// The processes below one (a server's workers and ffmpegs, a browser's renderers), found
// by walking `ps` from parent to child: tests kill, freeze and measure them by that tree.
import { execFileSync } from 'node:child_process';

type Row = { pid: number; ppid: number; args: string };

function processes(): Row[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim().split('\n').map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!).filter(Boolean)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args! }));
}

function below(rows: Row[], roots: number[]): Set<number> {
  const set = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) if (set.has(r.ppid) && !set.has(r.pid)) { set.add(r.pid); grew = true; }
  }
  return set;
}

/** Processes below `root` (not root itself) whose command line contains every part. */
export function descendants(root: number, ...parts: string[]): number[] {
  const rows = processes();
  const tree = below(rows, [root]);
  return rows.filter((r) => r.pid !== root && tree.has(r.pid) && parts.every((p) => r.args.includes(p))).map((r) => r.pid);
}

/** The roots that still run and every process below them, from one reading of `ps`. */
export function trees(roots: number[]): number[] {
  const rows = processes();
  const tree = below(rows, roots);
  return rows.filter((r) => tree.has(r.pid)).map((r) => r.pid);
}

/** Sends `signal` to each of these processes (one already gone is skipped); returns how many there were. */
export function signalAll(pids: number[], signal: NodeJS.Signals = 'SIGKILL'): number {
  for (const pid of pids) try { process.kill(pid, signal); } catch { /* already gone */ }
  return pids.length;
}
