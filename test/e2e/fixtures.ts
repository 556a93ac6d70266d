/**
 * Playwright fixtures: `app` is a running `tether app --web` (configured per test
 * with `test.use({ launch: … })`), `openApp` opens its URL in the page, `shot` saves
 * a screenshot under test-results/screenshots/, and `bridge` calls the bridge
 * straight over a WebSocket from the test (to read the gateway's own status).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import WebSocket from 'ws';
import type { BridgeArgs, BridgeChannel, BridgeReply, BridgeResult } from '../../main/bridge/contract.js';
import type { WebServerFrame } from '../../main/web/frames.js';
import { launchWebApp, REPO_ROOT, type WebApp, type WebAppLaunch } from './web-app.js';

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

/**
 * Saves a screenshot of the page in light and in dark, under `folder`, and attaches
 * both to the report. Transitions are finished first (`animations: 'disabled'`):
 * after a resize the side panels are still sliding into drawers, and a shot taken
 * then shows both drawers peeking in at the edges.
 */
export async function shotsLightDark(page: Page, testInfo: TestInfo, folder: string, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const path = join(SCREENSHOT_DIR, folder, `${name}-${colorScheme}.png`);
    await page.screenshot({ path, animations: 'disabled' });
    await testInfo.attach(`${name}-${colorScheme}`, { path, contentType: 'image/png' });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** A test's own connection to the bridge, as a browser page would have. */
export interface TestBridge {
  call<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeResult<C>>;
  close(): void;
}

/** Opens a bridge socket with the token and the page's own Origin. */
export async function connectBridge(app: WebApp): Promise<TestBridge> {
  const socket = new WebSocket(`ws://127.0.0.1:${app.port}/bridge?token=${app.token}`, { origin: `http://127.0.0.1:${app.port}` });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (reply: BridgeReply<unknown>) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WebServerFrame;
    if (frame.kind === 'response') pending.get(frame.id)?.(frame.reply);
  });
  return {
    async call(channel, args) {
      const id = nextId++;
      const reply = await new Promise<BridgeReply<unknown>>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ kind: 'request', id, channel, args }));
      });
      if (!reply.ok) throw new Error(`${channel} failed: ${reply.error.code}: ${reply.error.message}`);
      return reply.value as never;
    },
    close: () => socket.close(),
  };
}

interface Fixtures {
  launch: WebAppLaunch;
  app: WebApp;
  openApp: () => Promise<Page>;
  shot: (name: string, options?: { dark?: boolean }) => Promise<string>;
  bridge: TestBridge;
}

export const test = base.extend<Fixtures>({
  launch: [{}, { option: true }],
  app: async ({ launch }, use, testInfo) => {
    const app = await launchWebApp(launch);
    await use(app);
    const code = await app.stop();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('tether-app-output', { body: app.output(), contentType: 'text/plain' });
    await app.dispose();
    expect(code, `tether app --web should exit 0 on Ctrl+C; output:\n${app.output()}`).toBe(0);
  },
  openApp: async ({ app, page }, use) => {
    // The page must run under its strict CSP without a single violation (no inline code, no eval).
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/iu.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (error) => violations.push(`uncaught: ${error.message}`));
    await use(async () => {
      await page.goto(app.url);
      // Attached, not visible: below 720 px the status panel is a closed drawer.
      await expect(page.getByTestId('gateway-state')).toBeAttached();
      return page;
    });
    expect(violations, 'CSP violations or uncaught errors in the page').toEqual([]);
  },
  shot: async ({ page }, use) => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await use(async (name, options = {}) => {
      const path = join(SCREENSHOT_DIR, `${name}${options.dark ? '-dark' : ''}.png`);
      if (options.dark) await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path, animations: 'disabled' });
      if (options.dark) await page.emulateMedia({ colorScheme: 'light' });
      return path;
    });
  },
  bridge: async ({ app }, use) => {
    const bridge = await connectBridge(app);
    await use(bridge);
    bridge.close();
  },
});

export { expect };

/** Waits until the status panel shows `state` (e.g. running). */
export async function expectGatewayState(page: Page, state: string, timeout = 20_000): Promise<void> {
  await expect(page.getByTestId('gateway-state')).toHaveAttribute('data-state', state, { timeout });
}
