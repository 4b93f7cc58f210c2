import { defineConfig } from 'vitest/config';

// Unit tests: server, protocol and studio logic, no browser. They sit next to what they test.
export default defineConfig({
  test: {
    include: ['sfu/**/*.test.ts', 'shared/**/*.test.ts', 'studio/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 20000,
  },
});
