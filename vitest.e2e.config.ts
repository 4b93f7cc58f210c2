import { defineConfig } from 'vitest/config';

// End-to-end: real Chromium, real SFU, one scenario file at a time (2 cores).
// Run through `npm test`, which puts them in a loopback-only network namespace.
// The bench's own (`npm run bench -- --quick`, the soak) sit beside the bench.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts', 'bench/**/*.e2e.test.ts'],
    testTimeout: 120000,
    hookTimeout: 60000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
