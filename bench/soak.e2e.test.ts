// Long shows hold: the soak (`npm run bench -- --soak`, an hour) in its quick 3-minute
// form, as the bench runs it — the real show, cameras that make few and many packets a
// second, cuts, a real receiver read frame by frame. What it measured is printed; that
// it measured a program that never went dead for a minute is checked here (the figures
// themselves — no gap, no restart — are the bench's goal, reported, not a timed test).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from './catalog.js';
import { runBench } from './lib/deadline.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm run bench -- --soak --quick', () => {
  it('runs a 3-minute show with cuts between a quiet and a busy camera, and reports frames per minute, restarts and the longest gap', async () => {
    const out = mkdtempSync(join(tmpdir(), 'regie-soak-quick-'));
    expect(await runBench(root, ['--soak', '--quick', '--out', out], 13 * 60 * 1000)).toBe(0);
    const json = readdirSync(out).find((f) => f.endsWith('.json'))!;
    const results = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults;
    expect(results.errors).toEqual({});
    const soak = results.results.soak!;
    console.log(`soak (quick): frames per minute ${soak.framesPerMinute.join(', ')} of ${soak.expectedPerMinute}; longest gap ${soak.longestGapMs} ms; ` +
      `encoder restarts ${soak.encoderRestarts.length}; slate fallbacks ${soak.slateFallbacks.length}; reconnects ${soak.reconnects}`);
    expect(soak.minutes).toBe(3);
    expect(soak.schedule.map((s) => s.camera)).toEqual(['Camera 1 (quiet)', 'Camera 2 (busy)', 'Camera 1 (quiet)']);
    expect(soak.framesPerMinute).toHaveLength(3);
    for (const frames of soak.framesPerMinute) expect(frames).toBeGreaterThan(0);
    expect(readFileSync(join(out, json.replace(/\.json$/, '.md')), 'utf8')).toContain('## 9. Long show (soak)');
  }, 15 * 60 * 1000);
});
