import { defineConfig } from 'vitest/config';

/**
 * Unit and integration tests. Integration tests drive the compiled child in dist/,
 * so the global setup builds it once before any test file runs.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn real processes; two workers suit a 2-core machine.
    maxWorkers: 2,
  },
});
