import { defineConfig } from 'vitest/config';

/**
 * Unit and integration tests. Integration tests drive the compiled child in dist/,
 * so the global setup builds it once before any test file runs.
 *
 * Tests run in Node. The renderer's component tests (test/renderer/components/*.test.tsx)
 * ask for a DOM themselves with a `// @vitest-environment happy-dom` docblock, so
 * no other file pays for one.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn real processes; two workers suit a 2-core machine.
    maxWorkers: 2,
  },
});
