/// <reference lib="dom" />
/**
 * Session management in the browser against the real gateway: a session written by
 * the CLI (not through the app) appears live; rename shows the title while the key
 * stays; pin moves it to the top; search (Ctrl+K) finds message text with a snippet
 * and opens the session; the open session survives a reload; delete moves the
 * transcript to the trash and Undo brings it back. Desktop and 420 px, light and dark.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, expectGatewayState, test } from './fixtures.js';
import { CLI_PATH } from './web-app.js';

for (const width of [1280, 420]) {
  test(`rename, pin, search, reload, delete and undo (${width} px)`, async ({ app, openApp, page, shot }, testInfo) => {
    const attach = async (name: string) => {
      for (const dark of [false, true]) await testInfo.attach(`${name}-${width}${dark ? '-dark' : ''}`, { path: await shot(`sessions-${name}-${width}`, { dark }), contentType: 'image/png' });
    };
    await page.setViewportSize({ width, height: 800 });
    await openApp();
    await expectGatewayState(page, 'running');
    const list = page.getByRole('navigation', { name: 'Sessions' });
    // Below 720 px the session list is a drawer: open it to use the list, close it to type.
    const narrow = width < 720;
    const openSessions = async () => {
      if (narrow && !(await list.isVisible())) await page.getByRole('button', { name: 'Sessions', exact: true }).click();
      await expect(list).toBeVisible();
    };
    const closeSessions = async () => {
      if (!narrow || !(await list.isVisible())) return;
      await page.keyboard.press('Escape');
      await expect(list).toBeHidden();
    };

    // A script writes a session without the app: it shows up by itself.
    execFileSync(process.execPath, [CLI_PATH, 'agent', '--home', app.dataDir, '--no-attach', '--session', 'nightly', '--message', 'the flaky deploy test failed again'], { env: { ...process.env, TETHER_LOG: 'warn' } });
    await openSessions();
    await expect(list.getByText('echo: the flaky deploy test failed again')).toBeVisible({ timeout: 10_000 });
    await expect(list.locator('[data-session="nightly"]').getByLabel('unread')).toBeVisible();

    // Rename: the title shows, the key stays.
    await list.getByRole('button', { name: 'Actions for nightly' }).click();
    await page.getByRole('menuitem', { name: 'Rename…' }).click();
    await page.getByLabel('New title for nightly').fill('Nightly build');
    await page.getByLabel('New title for nightly').press('Enter');
    await expect(list.locator('[data-session="nightly"]')).toContainText('Nightly build');

    // Pin: to the top, above the newer "main".
    await closeSessions();
    await page.getByLabel('Message to main').fill('a newer message in main');
    await page.getByLabel('Message to main').press('Enter');
    await expect(page.getByTestId('transcript').getByText('echo: a newer message in main')).toBeVisible();
    await openSessions();
    await list.getByRole('button', { name: 'Actions for Nightly build' }).click();
    await page.getByRole('menuitem', { name: 'Pin' }).click();
    await expect(list.locator('button.session').first()).toHaveAttribute('data-session', 'nightly');
    await attach('pinned');

    // Search from the keyboard, open the match.
    await closeSessions();
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Search all sessions' });
    await dialog.getByRole('searchbox').fill('flaky deploy');
    await expect(dialog.getByRole('option').first()).toContainText('Nightly build');
    await expect(dialog.locator('mark').first()).toHaveText('flaky');
    await attach('search');
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nightly build');

    // The open session survives a reload.
    await page.reload();
    await expectGatewayState(page, 'running');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nightly build');
    await expect(page.getByTestId('transcript').getByText('the flaky deploy test failed again', { exact: true })).toBeVisible();

    // Delete: to the trash, with Undo.
    await openSessions();
    await list.getByRole('button', { name: 'Actions for Nightly build' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await expect(list.locator('[data-session="nightly"]')).toHaveCount(0);
    expect(existsSync(join(app.dataDir, 'sessions', 'nightly.jsonl'))).toBe(false);
    expect(readdirSync(join(app.dataDir, 'trash')).some((name) => name.endsWith('-nightly.jsonl'))).toBe(true);
    await expect(page.getByText(/undo within \d+ s/u)).toBeVisible();
    await attach('deleted');
    await closeSessions();
    await page.getByRole('button', { name: 'Undo' }).click();
    await openSessions();
    await expect(list.locator('[data-session="nightly"]')).toContainText('Nightly build');
    expect(existsSync(join(app.dataDir, 'sessions', 'nightly.jsonl'))).toBe(true);
  });
}
