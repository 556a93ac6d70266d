/**
 * A 10,000-message session opens at its end, keeps only the rows in view in the
 * page (virtualised), and loads older pages as the user scrolls up.
 */
import { expect, expectGatewayState, test } from './fixtures.js';
import { writeLongSession } from './long-session.js';

test('a 10,000-message session opens at the end, virtualised, and pages in older messages', async ({ app, openApp, shot }) => {
  writeLongSession(app.dataDir, 'long', 10_000);
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await page.locator('button.session[data-session="long"]').click();
  await expect(page.locator('.chat-header .chat-count')).toHaveText('10,000 messages');
  await expect(page.locator('article.message').last()).toContainText('answer 9999');
  const rows = await page.locator('.transcript-row').count();
  expect(rows).toBeGreaterThan(3);
  expect(rows).toBeLessThan(60);
  await shot('08-long-session');

  // Scroll to the top again and again: older pages arrive until the first message is
  // reached. A scroll may only move the virtualised window within what is loaded, so
  // the number of scrolls is not the number of pages (20): allow many, on a loaded machine.
  test.setTimeout(180_000);
  const transcript = page.getByTestId('transcript');
  const first = page.locator('article.message').first();
  for (let scrolls = 0; scrolls < 400 && !(await first.innerText()).includes('Question 0:'); scrolls++) {
    const before = await first.innerText();
    if (before.includes('Question 0:')) break; // the last page came in since the loop looked
    await transcript.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(async () => {
      await transcript.evaluate((el) => el.scrollTo({ top: 0 }));
      expect(await first.innerText()).not.toBe(before);
    }).toPass({ timeout: 10_000, intervals: [50] });
  }
  await expect(first).toContainText('Question 0:');
  expect(await page.locator('.transcript-row').count()).toBeLessThan(60);
});

test('a search hit deep in a 10,000-message session opens there, loaded back to it and marked', async ({ app, openApp, shot }) => {
  writeLongSession(app.dataDir, 'long', 10_000);
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Search all sessions' });
  await dialog.getByRole('searchbox').fill('value101'); // in the code block of reply 101 only
  await expect(dialog.getByRole('option')).toHaveCount(1);
  await expect(dialog.getByRole('option')).toContainText('value101');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);

  const marked = page.locator('.transcript-row-focused article.message');
  await expect(marked).toContainText('answer 101.');
  await expect(marked).toContainText('const value101 = compute(101);');
  await expect(marked).toBeInViewport();
  expect(await page.locator('.transcript-row').count()).toBeLessThan(60); // still virtualised
  await shot('09-search-hit');
  // The newest message is still there below it: the transcript is one stretch.
  await page.getByTestId('transcript').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  await expect(page.locator('article.message').last()).toContainText('answer 9999');
});
