import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendants } from '../../testkit/processTree.js';
import { withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('returns what the work returns when it finishes in time', async () => {
    expect(await withDeadline('quick work', 5000, async () => 42)).toBe(42);
  });

  it('past the limit, rejects with what stopped and kills what the work left running', async () => {
    // A shell holding a long sleep stands in for a scenario's browsers and servers.
    const holder = spawn('sh', ['-c', 'sleep 60 & wait'], { stdio: 'ignore' });
    await new Promise((r) => holder.once('spawn', r));
    while (descendants(holder.pid!, 'sleep').length === 0) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((r) => holder.once('exit', r)); // the shell ends once its sleep is killed
    await expect(withDeadline('a wedged scenario', 300, () => new Promise(() => undefined), holder.pid!))
      .rejects.toThrow('a wedged scenario did not finish within 300 ms; stopped (1 processes killed)');
    await exited;
    expect(descendants(holder.pid!, 'sleep')).toEqual([]);
  });
});
