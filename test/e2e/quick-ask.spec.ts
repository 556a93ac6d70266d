/**
 * Quick ask in web mode (issue 18, item 4), in Chromium at 1280×800 and 420×800,
 * light and dark: `/quick` shows one composer, the session chooser, the streamed
 * reply and "Open in Chat", which opens the chat on the session asked in. Every
 * state is a screenshot attached to the report.
 */
import type { Page, TestInfo } from '@playwright/test';
import { expect, shotsLightDark, test } from './fixtures.js';

const shots = (page: Page, testInfo: TestInfo, name: string) => shotsLightDark(page, testInfo, 'quick-ask', name);

/** The quick-ask page's address: the app's URL (token included) on `/quick`. */
function quickUrl(appUrl: string): string {
  const url = new URL(appUrl);
  url.pathname = '/quick';
  return url.toString();
}

test.use({ launch: { config: { echo: { delayMs: 80 } } } });

for (const viewport of [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'narrow', width: 420, height: 800 },
]) {
  test(`quick ask streams a reply into the chosen session and opens it in the chat (${viewport.name})`, async ({ app, bridge, page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/iu.test(message.text())) errors.push(message.text());
    });
    await page.setViewportSize(viewport);
    // A second session to choose, written through the gateway as the chat would.
    await bridge.call('send', { session: 'research', text: 'first note', idempotencyKey: 'quick-ask-seed' });

    await page.goto(quickUrl(app.url));
    const box = page.getByLabel('Ask main');
    await expect(box).toBeFocused();
    await expect(page.getByLabel('Session').locator('option[value="research"]')).toBeAttached();
    await shots(page, testInfo, `${viewport.name}-empty`);

    await page.getByLabel('Session').selectOption('research');
    await expect(page.getByLabel('Ask research')).toBeFocused();
    await page.getByLabel('Ask research').fill('what is on my list today, in a few words please');
    await page.keyboard.press('Enter');
    const reply = page.locator('article.quick-reply');
    await expect(reply).toHaveAttribute('data-state', 'streaming');
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
    await shots(page, testInfo, `${viewport.name}-streaming`);
    await expect(reply).toHaveAttribute('data-state', 'complete', { timeout: 15_000 });
    await expect(reply.locator('.markdown')).toHaveText('echo: what is on my list today, in a few words please');
    await expect(page.locator('.quick-question')).toHaveText('what is on my list today, in a few words please');
    await shots(page, testInfo, `${viewport.name}-answered`);

    // The reply is in the session's transcript, where the chat reads it.
    const history = await bridge.call('get-history', { session: 'research' });
    expect(history.messages.map((m) => m.text)).toContain('echo: what is on my list today, in a few words please');

    // Open in Chat: the chat window, on that session.
    await page.getByRole('link', { name: 'Open in Chat' }).click();
    await expect(page.getByRole('main', { name: 'Session research' })).toBeAttached();
    await expect(page.locator('article.message-assistant .markdown').last()).toHaveText('echo: what is on my list today, in a few words please');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(errors, 'CSP violations or uncaught errors in the page').toEqual([]);
  });
}
