import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests: server, protocol and studio logic, no browser. They sit next to what they test.
// The bench's own *.e2e.test.ts run the real show: they belong to the e2e suite only.
export default defineConfig({
  test: {
    include: ['sfu/**/*.test.ts', 'shared/**/*.test.ts', 'studio/**/*.test.ts', 'bench/**/*.test.ts', 'testkit/**/*.test.ts'],
    exclude: [...configDefaults.exclude, '**/*.e2e.test.ts'],
    testTimeout: 20000,
  },
});
