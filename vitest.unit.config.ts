import { defineConfig } from 'vitest/config';

// Unit tests: server and protocol modules, no browser. They sit next to what they test.
export default defineConfig({
  test: {
    include: ['sfu/**/*.test.ts', 'shared/**/*.test.ts'],
    testTimeout: 20000,
  },
});
