// The processes below one (a server's workers and ffmpegs, a browser's renderers), found
// by walking `ps` from parent to child: tests kill, freeze and measure them by that tree.
import { execFileSync } from 'node:child_process';

/** Processes below `root` (not root itself) whose command line contains every part. */
export function descendants(root: number, ...parts: string[]): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim().split('\n').map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!).filter(Boolean)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args! }));
  const below = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) if (below.has(r.ppid) && !below.has(r.pid)) { below.add(r.pid); grew = true; }
  }
  return rows.filter((r) => r.pid !== root && below.has(r.pid) && parts.every((p) => r.args.includes(p))).map((r) => r.pid);
}
