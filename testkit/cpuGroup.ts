// A CPU group of its own for a program that stands in for another machine (the bench's
// camera browsers are phones in a real show, the director's browser a laptop): all its
// processes and threads together weigh as much as one ordinary process when the CPU is
// contended, and take what is idle otherwise. Nice cannot do this for Chromium: run as
// root, it raises its own threads back to 0 and −8; and every thread at nice 19 starved
// the cameras in the quick bench (see launchBrowser). A cgroup is the kernel's way to
// share CPU between groups of processes, whatever their threads' priorities.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

export type CpuGroup = {
  /** the file a process writes its pid to, to join the group (its children follow) */
  procs: string;
  /** removes the group once its processes are gone (a group still in use stays) */
  remove: () => void;
};

/** cgroup v1's cpu controller, or v2 with cpu delegated: where groups are made, if this process may make them. */
function cpuHierarchy(): string | undefined {
  if (existsSync('/sys/fs/cgroup/cpu/cpu.shares')) return '/sys/fs/cgroup/cpu';
  if (existsSync('/sys/fs/cgroup/cgroup.subtree_control') && /\bcpu\b/.test(readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8'))) return '/sys/fs/cgroup';
  return undefined;
}

/** Whether this process may make CPU groups here (what the bench's report says of its browsers). */
export function cpuGroupsAvailable(): boolean {
  const root = cpuHierarchy();
  if (!root) return false;
  try {
    accessSync(root, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A new CPU group named after `what`, or undefined where the machine does not let this process make one (not root, no cpu controller). */
export function cpuGroup(what: string): CpuGroup | undefined {
  const root = cpuHierarchy();
  if (!root) return undefined;
  const dir = join(root, `regie-${what}-${process.pid}-${Date.now().toString(36)}`);
  // (Its weight is the default — cpu.shares 1024 in v1, cpu.weight 100 in v2 — one nice-0 process's.)
  try {
    mkdirSync(dir);
  } catch {
    return undefined; // not root: no group
  }
  return {
    procs: join(dir, 'cgroup.procs'),
    remove: () => { try { rmdirSync(dir); } catch { /* still in use, or gone */ } },
  };
}
