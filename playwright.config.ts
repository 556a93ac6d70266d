/**
 * End-to-end tests of the chat window in a real browser: each test starts
 * `tether app --web` (the real companion core and gateway child), opens the printed
 * URL in Debian's Chromium, headless, and drives the UI. Playwright cannot download
 * its own browser here, so the system Chromium is used (TETHER_CHROMIUM overrides).
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/e2e/web-app.js';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/playwright',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Each test runs a gateway and a browser; one at a time suits a 2-core machine.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
