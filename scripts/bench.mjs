#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only latency,destinations]`: the bench (bench/run.ts)
// inside a loopback-only network namespace, like the e2e tests.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inLoopbackNamespace } from './loopbackNamespace.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [bin, ...args] = inLoopbackNamespace([process.execPath, '--import', 'tsx', join(root, 'bench/run.ts'), ...process.argv.slice(2)]);
const res = spawnSync(bin, args, { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);
