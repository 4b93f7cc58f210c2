// `npm run bench`: Régie measured on this machine, side by side with the baselines a
// user would otherwise pick, in one run. Prints tables, writes every raw sample to
// bench/results/<date>.json and a Markdown report with charts beside it.
// `--quick`: a few samples of each (the test suite runs it once, to prove the bench
// works). `--only a,b`: some scenarios. `--out DIR`: where the results go.
// `--soak`: the long-show soak alone (60 minutes; 3 with --quick).
// It never fails because the machine is slow: it reports what it measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RUN, SCENARIOS, type BenchResults, type ScenarioName } from './catalog.js';
import type { BenchContext } from './context.js';
import { scenarioLimitMs, withDeadline } from './lib/deadline.js';
import { cpuTimes, measureSpeed, stealPercent } from './lib/machineSpeed.js';
import { writeReport } from './lib/report.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.includes('--soak') ? ['soak']
    : args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : DEFAULT_RUN;
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1]! : fileURLToPath(new URL('./results', import.meta.url));
  const started = Date.now();
  const ctx: BenchContext = {
    quick,
    progress: (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`),
  };
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` },
    durationSeconds: 0,
    speed: [],
    stealPercent: {},
    results: {},
    errors: {},
  };
  const speed = async (when: string) => {
    try {
      results.speed!.push(await measureSpeed(when));
    } catch (err) {
      ctx.progress(`machine speed not measured: ${(err as Error).message}`);
    }
  };
  await speed('start');
  for (const [name, run] of Object.entries(SCENARIOS) as [ScenarioName, (c: BenchContext) => Promise<unknown>][]) {
    if (!only.includes(name)) continue;
    if (!quick) await speed(`before ${name}`);
    ctx.progress(`${name}: starting`);
    const cpuBefore = cpuTimes();
    // A scenario stopped at its deadline may still wake up later: it no longer reports.
    let stopped = false;
    let lastStep = 'starting';
    const own: BenchContext = { quick, progress: (m) => { if (!stopped) { lastStep = m; ctx.progress(m); } } };
    try {
      (results.results as Record<string, unknown>)[name] = await withDeadline(name, scenarioLimitMs(name, quick), () => run(own));
    } catch (err) {
      // A scenario that cannot complete is reported, with why; the others still run.
      stopped = true;
      results.errors[name] = `last step reported: ${lastStep}\n${(err as Error).stack ?? String(err)}`;
      ctx.progress(`${name}: could not complete: ${(err as Error).message} (last step reported: ${lastStep})`);
    }
    results.stealPercent![name] = stealPercent(cpuBefore, cpuTimes());
  }
  await speed('end');
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(out, { recursive: true });
  const stamp = results.date.slice(0, 19).replaceAll(':', '-');
  const base = join(out, `${stamp}${only.includes('soak') ? '-soak' : ''}${quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const { text } = writeReport(results, base);
  process.stdout.write(`${text}\n`);
  process.stdout.write(`\nraw samples: ${base}.json\nreport: ${base}.md\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
