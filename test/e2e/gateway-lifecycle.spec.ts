/// <reference lib="dom" />
/**
 * The gateway's life as the window shows it: "Send heartbeats" reaches the child
 * and survives a crash; a child held down trips the breaker to `failed` while sends
 * go through the CLI fallback (and say so); Restart recovers; Ctrl+C stops it all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, expectGatewayState, test } from './fixtures.js';
import { CLI_PATH, FLAKY_GATEWAY } from './web-app.js';

/** True if `pid` is a live process (a zombie counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records every gateway state the status panel shows from now on. */
async function recordStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const target = document.querySelector('[data-testid="gateway-state"]')!;
    const seen: string[] = [target.getAttribute('data-state') ?? ''];
    (window as unknown as { seenStates: string[] }).seenStates = seen;
    new MutationObserver(() => seen.push(target.getAttribute('data-state') ?? '')).observe(target, { attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
}

test.describe('heartbeats and a crash', () => {
  test('"Send heartbeats" off reaches the gateway, and stays off after the child is killed', async ({ openApp, bridge, shot }) => {
    const page = await openApp();
    await expectGatewayState(page, 'running');
    const toggle = page.getByLabel('Send heartbeats');
    await expect(toggle).toBeChecked();
    await toggle.uncheck();
    await expect(toggle).not.toBeChecked();

    // The gateway's own status, not the app's idea of it.
    await expect.poll(async () => (await bridge.call('get-status', {})).gateway?.heartbeats.enabled).toBe(false);
    await expect(page.getByTestId('heartbeats-line')).toHaveText('off');

    const pid = Number(await page.getByTestId('gateway-pid').innerText());
    expect(pid).toBeGreaterThan(0);
    const states = await recordStates(page);
    process.kill(pid, 'SIGKILL');

    await expect.poll(states).toContain('restarting');
    await expectGatewayState(page, 'running');
    const newPid = Number(await page.getByTestId('gateway-pid').innerText());
    expect(newPid).not.toBe(pid);
    const seen = await states();
    expect(seen.indexOf('restarting')).toBeLessThan(seen.lastIndexOf('running'));

    const status = await bridge.call('get-status', {});
    expect(status.via).toBe('gateway');
    expect(status.gateway?.pid).toBe(newPid);
    expect(status.gateway?.heartbeats.enabled).toBe(false);
    await expect(toggle).not.toBeChecked();
    await expect(page.getByText('restarts')).toBeVisible();
    await shot('04-after-crash');
  });
});

test.describe('a gateway held down', () => {
  const holdDir = mkdtempSync(join(tmpdir(), 'tether-e2e-hold-'));
  const marker = join(holdDir, 'hold-down');
  test.use({ launch: { settings: { gatewayCommand: { file: process.execPath, args: [FLAKY_GATEWAY, marker, CLI_PATH] } } } });
  test.beforeEach(() => writeFileSync(marker, 'held down by the e2e test\n'));
  test.afterAll(() => rmSync(holdDir, { recursive: true, force: true }));

  test('sends go through the CLI fallback and say so; the breaker shows failed; Restart recovers', async ({ openApp, shot }) => {
    const page = await openApp();
    await expectGatewayState(page, 'failed');
    await expect(page.locator('.state-detail')).toContainText('crashed 5 times');
    await expect(page.locator('.stderr pre')).toContainText('flaky gateway: held down');
    await expect(page.locator('#composer-reason')).toContainText('one-shot CLI');

    await page.getByLabel('Message to main').fill('sent while the gateway is down');
    await page.getByLabel('Message to main').press('Enter');
    const reply = page.locator('article.message-assistant').last();
    await expect(reply.locator('.markdown')).toHaveText('echo: sent while the gateway is down');
    await expect(reply.locator('.badge-cli')).toHaveText('via CLI fallback');
    await expect(page.locator('button.session[data-session="main"]')).toContainText('echo: sent while');
    await shot('05-failed-fallback');
    await shot('05-failed-fallback', { dark: true });

    // With the fallback off, nothing can serve a send: Send is disabled and says why.
    await page.getByLabel('Use CLI fallback').uncheck();
    await page.getByLabel('Message to main').fill('nowhere to go');
    await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeDisabled();
    await expect(page.locator('#composer-reason')).toContainText('"Use CLI fallback" is off');
    await expect(page.locator('#composer-reason')).toContainText('press Restart gateway');
    await shot('06-nothing-can-send');
    await page.getByLabel('Use CLI fallback').check();

    // The cause goes away; Restart clears the breaker.
    rmSync(marker);
    await page.getByRole('button', { name: 'Restart gateway' }).click();
    await expectGatewayState(page, 'running');
    await page.getByLabel('Message to main').fill('and now through the gateway');
    await page.getByLabel('Message to main').press('Enter');
    const second = page.locator('article.message-assistant').last();
    await expect(second.locator('.markdown')).toHaveText('echo: and now through the gateway');
    await expect(second.locator('.badge-cli')).toHaveCount(0);
    // The CLI-served reply is in the gateway's transcript too, still marked.
    await expect(page.locator('article.message-assistant .badge-cli')).toHaveCount(1);
  });
});

test('Ctrl+C stops the server and the gateway child, and exits 0', async ({ app, openApp }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  const pid = Number(await page.getByTestId('gateway-pid').innerText());
  expect(isRunning(pid)).toBe(true);
  expect(await app.stop()).toBe(0);
  expect(app.output()).toContain('Stopped.');
  await expect.poll(() => isRunning(pid)).toBe(false);
  // The page says the server stopped and how to start it again; the status panel stops claiming a pid.
  await expect(page.locator('.notice-warn')).toContainText('The Tether server is not answering');
  await expect(page.locator('.notice-warn')).toContainText('tether app --web');
  await expectGatewayState(page, 'unknown');
});
