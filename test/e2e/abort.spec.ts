/**
 * A reply that stops early: Abort while it streams (the reply keeps the text that
 * had arrived, marked aborted, also after a reload), and a gateway that dies under
 * it (the partial reply stays, marked interrupted, also after a reload, and the send
 * the companion resends after the restart completes exactly once).
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

// The companion resends the cut-off send after the restart, with the same key: through
// the gateway once it is back, or through the one-shot CLI while it is still down when
// the fallback is on. Either way it runs once, on the stored message.
for (const fallback of [false, true]) {
  test.describe(`with "Use CLI fallback" ${fallback ? 'on' : 'off'}`, () => {
    test.use({ launch: { config: { echo: { delayMs: 300 } }, settings: { cliFallbackEnabled: fallback } } });

    test('a gateway killed mid-reply: the partial reply stays, marked interrupted, through the restart and a reload, and the resent send completes once', async ({ openApp, shot }) => {
      const page = await openApp();
      await expectGatewayState(page, 'running');
      const pid = Number(await page.getByTestId('gateway-pid').innerText());
      await page.getByLabel('Message to main').fill(PROMPT);
      await page.getByLabel('Message to main').press('Enter');
      const replies = page.locator('article.message-assistant');
      // A few words in: the gateway has checkpointed some of them (at most 250 ms behind).
      await expect(replies.first().locator('.markdown')).toContainText('one two three');
      process.kill(pid, 'SIGKILL');

      // The reply stays on screen, marked, while the gateway restarts.
      const interrupted = page.locator('article.message-assistant[data-state="interrupted"]');
      await expect(interrupted.locator('.message-state-note')).toHaveText('The gateway stopped while this reply streamed; the text up to then is kept.');
      await expect(interrupted.locator('.markdown')).toContainText('echo: one');
      await expectGatewayState(page, 'running');

      // The resent send runs anew on the stored message; its reply follows the interrupted one.
      const complete = page.locator('article.message-assistant[data-state="complete"]');
      await expect(complete.locator('.markdown')).toHaveText(FULL, { timeout: 30_000 });
      await expect(replies).toHaveCount(2);
      await expect(page.locator('article.message-user')).toHaveCount(1);
      await expect(page.locator('.badge-pending, .badge-streaming')).toHaveCount(0);
      await expect(page.getByRole('alert')).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Send again' })).toHaveCount(0);
      await expect(page.locator('.chat-count')).toHaveText('3 messages'); // as the gateway counts them, not a guess
      const partial = (await interrupted.locator('.markdown').innerText()).trim();
      expect(FULL.startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(FULL.length);
      await shot(`13-gateway-died-mid-reply${fallback ? '-fallback' : ''}`);

      await page.reload();
      await expectGatewayState(page, 'running');
      await expect(complete.locator('.markdown')).toHaveText(FULL);
      await expect(interrupted.locator('.markdown')).toHaveText(partial);
      await expect(interrupted.locator('.badge-interrupted')).toHaveText('interrupted');
      await expect(page.locator('article.message-user')).toHaveCount(1);
      expect(await page.locator('article.message').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-role')}:${row.getAttribute('data-state') ?? ''}`))).toEqual([
        'user:',
        'assistant:interrupted',
        'assistant:complete',
      ]);
    });
  });
}

test('a reload mid-reply shows the reply so far from history, and it keeps streaming to the end', async ({ openApp }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await page.getByLabel('Message to main').fill(PROMPT);
  await page.getByLabel('Message to main').press('Enter');
  await expect(page.locator('article.message-assistant .markdown')).toContainText('one two three');

  await page.reload();
  await expectGatewayState(page, 'running');
  const reply = page.locator('article.message-assistant');
  await expect(reply).toHaveAttribute('data-state', 'streaming');
  await expect(reply.locator('.badge-streaming')).toBeVisible();
  await expect(reply.locator('.markdown')).toContainText('echo: one two');
  const partial = (await reply.locator('.markdown').innerText()).trim();
  expect(FULL.startsWith(partial)).toBe(true);
  await expect(page.getByRole('button', { name: 'Abort' })).toBeVisible(); // the window knows a reply is on its way

  await expect(reply.locator('.markdown')).toHaveText(FULL);
  await expect(reply).toHaveAttribute('data-state', 'complete');
  await expect(page.locator('article.message-user')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Abort' })).toHaveCount(0);
});
