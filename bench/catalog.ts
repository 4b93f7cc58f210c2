// The scenarios the bench knows, by name, and the shape of what a run writes to
// results/<date>.json: each scenario's own result type, under its name. The runner
// (run.ts), the report and the bench's e2e tests read these; the scenarios do not.
import type { SpeedSample } from './lib/machineSpeed.js';
import { avSync } from './scenarios/avSync.js';
import { continuity } from './scenarios/continuity.js';
import { destinations } from './scenarios/destinations.js';
import { latency } from './scenarios/latency.js';
import { mixer } from './scenarios/mixer.js';
import { recovery } from './scenarios/recovery.js';
import { scale } from './scenarios/scale.js';
import { soak } from './scenarios/soak.js';
import { whepViewers } from './scenarios/whepViewers.js';
import { whipScale } from './scenarios/whipScale.js';

export const SCENARIOS = { latency, destinations, scale, recovery, continuity, whipScale, whepViewers, mixer, avSync, soak } as const;
export type ScenarioName = keyof typeof SCENARIOS;
/** what runs without --only: the soak runs only when asked (it takes an hour) */
export const DEFAULT_RUN: ScenarioName[] = ['latency', 'destinations', 'scale', 'recovery', 'continuity', 'whipScale', 'whepViewers', 'mixer', 'avSync'];

export type BenchResults = {
  date: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** the machine's speed at the start, before each scenario (full runs) and at the end */
  speed?: SpeedSample[];
  /** CPU time the hypervisor took while each scenario ran, % of all */
  stealPercent?: { [K in ScenarioName]?: number };
  durationSeconds: number;
  results: { [K in ScenarioName]?: Awaited<ReturnType<(typeof SCENARIOS)[K]>> };
  errors: { [K in ScenarioName]?: string };
};
