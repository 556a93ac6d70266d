/**
 * A reply that stops early: Abort while it streams (the reply keeps the text that
 * had arrived, marked aborted, also after a reload), and a gateway that dies under
 * it (the message says what happened and what to do, and Send again works).
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

test('a gateway killed mid-reply: the error shows on the message with advice, and Send again gets the reply', async ({ openApp, shot }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  const pid = Number(await page.getByTestId('gateway-pid').innerText());
  await page.getByLabel('Message to main').fill(PROMPT);
  await page.getByLabel('Message to main').press('Enter');
  const reply = page.locator('article.message-assistant').last();
  await expect(reply.locator('.markdown')).toContainText('one two');
  process.kill(pid, 'SIGKILL');

  const failed = page.locator('article.message-user.is-failed');
  await expect(failed.getByRole('alert')).toContainText('No reply: ');
  await expect(failed.locator('.error-first')).toContainText('exited (signal SIGKILL)');
  await expect(failed.locator('.advice')).toContainText('send again');
  await expect(page.locator('.badge-streaming')).toHaveCount(0);
  await expectGatewayState(page, 'running');
  // After the restart the stored message carries the error (shown once, not twice).
  await expect(page.locator('article.message-user')).toHaveCount(1);
  await shot('13-gateway-died-mid-reply');

  await failed.getByRole('button', { name: 'Send again' }).click();
  await expect(page.locator('article.message-user.is-failed')).toHaveCount(0);
  await expect(page.locator('article.message-assistant').last().locator('.markdown')).toHaveText(FULL, { timeout: 20_000 });
});
