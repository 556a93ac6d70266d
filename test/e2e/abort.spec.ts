/**
 * Abort while a reply streams: the reply stops, is marked aborted, keeps the text
 * that had arrived, and stays that way after a reload (the transcript says so too).
 */
import { expect, expectGatewayState, test } from './fixtures.js';

test.use({ launch: { config: { echo: { delayMs: 300 } } } });

const PROMPT = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
const FULL = `echo: ${PROMPT}`;

test('Abort keeps the partial reply and marks it aborted', async ({ openApp, shot }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await page.getByLabel('Message to main').fill(PROMPT);
  await page.getByLabel('Message to main').press('Enter');

  const reply = page.locator('article.message-assistant').last();
  await expect(reply.locator('.markdown')).toContainText('one two');
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeDisabled();
  await page.getByRole('button', { name: 'Abort' }).click();

  await expect(reply.locator('.badge-aborted')).toHaveText('aborted');
  await expect(reply.locator('.badge-streaming')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Abort' })).toHaveCount(0);
  const partial = (await reply.locator('.markdown').innerText()).trim();
  expect(FULL.startsWith(partial)).toBe(true);
  expect(partial.length).toBeGreaterThan('echo: one'.length - 1);
  expect(partial.length).toBeLessThan(FULL.length);
  await shot('07-aborted');

  await page.reload();
  await expectGatewayState(page, 'running');
  const stored = page.locator('article.message-assistant').last();
  await expect(stored.locator('.badge-aborted')).toBeVisible();
  await expect(stored.locator('.markdown')).toHaveText(partial);
});
