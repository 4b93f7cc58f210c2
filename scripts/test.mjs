#!/usr/bin/env node
// The whole test suite: unit tests, then the browser e2e scenarios inside a private
// network namespace that has only loopback (so WebRTC never leaves 127.0.0.1).
// Ends with one line: "N passed, N failed", summed over every suite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inLoopbackNamespace } from './loopbackNamespace.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const out = mkdtempSync(join(tmpdir(), 'regie-test-'));

function runSuite(name, config, wrap = (cmd) => cmd) {
  const report = join(out, `${name}.json`);
  const cmd = [process.execPath, vitest, 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  process.stderr.write(`\n=== ${name} tests ===\n`);
  const [bin, ...args] = wrap(cmd);
  const res = spawnSync(bin, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } });
  if (!existsSync(report)) {
    process.stderr.write(`${name}: the runner produced no report (${res.error?.message ?? `exit code ${res.status}`}); counted as one failure\n`);
    return { passed: 0, failed: 1 };
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // Files that failed outside any test (failed to load; a beforeAll or afterAll hook that
  // threw, its tests then skipped) count as failures too, not as silence: a file whose
  // beforeAll failed, its 8 tests skipped, once summed up to "0 failed".
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  return { passed: r.numPassedTests, failed: r.numFailedTests + brokenFiles };
}

const totals = { passed: 0, failed: 0 };
const add = (r) => { totals.passed += r.passed; totals.failed += r.failed; };
if (!only || only === 'unit') add(runSuite('unit', 'vitest.unit.config.ts'));
if (!only || only === 'e2e') add(runSuite('e2e', 'vitest.e2e.config.ts', inLoopbackNamespace));
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
