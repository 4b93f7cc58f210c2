import { describe, expect, it } from 'vitest';
import { Child } from './Child.js';
import { mayRaisePriority, PROGRAM_NICE } from './priority.js';

const niceOf = async (ahead: boolean): Promise<number> => {
  // `nice` with no command prints the niceness it runs at.
  const child = new Child('nice', [], { stdio: ['ignore', 'pipe', 'pipe'], ahead });
  let out = '';
  child.process.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise((r) => child.once('end', r));
  return Number(out.trim());
};

describe('the program path runs ahead', () => {
  it('a child started ahead runs PROGRAM_NICE below the server where allowed, else as the server', async () => {
    const base = await niceOf(false);
    expect(await niceOf(true)).toBe(mayRaisePriority() ? Math.max(-20, base + PROGRAM_NICE) : base);
  });

  it('as root (the test machine) it is allowed', () => {
    // The suite runs as root here and in CI; elsewhere this says nothing.
    if (process.getuid?.() === 0) expect(mayRaisePriority()).toBe(true);
  });
});
