/**
 * The main path: open the UI, send a message, watch the reply stream in and
 * finish, find the session in the list, reload and find it all still there.
 */
import { expect, expectGatewayState, test } from './fixtures.js';

// Echo streams word by word; a pause per word makes the streaming visible.
test.use({ launch: { config: { echo: { delayMs: 120 } } } });

test('a message streams, completes, lists its session and survives a reload', async ({ openApp, shot }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await shot('01-empty');

  const composer = page.getByLabel('Message to main');
  await composer.fill('hello from the browser, streaming one word at a time');
  await composer.press('Enter');

  const reply = page.locator('article.message-assistant').last();
  // While streaming: partial text and the streaming badge.
  await expect(reply.locator('.badge-streaming')).toBeVisible();
  const partial = await reply.locator('.markdown').innerText();
  expect('echo: hello from the browser, streaming one word at a time'.startsWith(partial.trim())).toBe(true);
  expect(partial.trim().length).toBeLessThan('echo: hello from the browser, streaming one word at a time'.length);
  await shot('02-streaming');

  await expect(reply.locator('.markdown')).toHaveText('echo: hello from the browser, streaming one word at a time');
  await expect(reply.locator('.badge-streaming')).toHaveCount(0);
  await expect(reply.locator('.badge-cli')).toHaveCount(0);
  await expect(page.locator('article.message-user')).toHaveText(/hello from the browser/u);

  const session = page.locator('button.session[data-session="main"]');
  await expect(session).toContainText('echo: hello from the browser');
  await shot('03-replied');
  await shot('03-replied', { dark: true });

  await page.reload();
  await expectGatewayState(page, 'running');
  await expect(page.locator('article.message-assistant .markdown')).toHaveText('echo: hello from the browser, streaming one word at a time');
  await expect(page.locator('article.message-user')).toHaveText(/hello from the browser/u);
  await expect(page.locator('button.session[data-session="main"]')).toContainText('echo: hello');
});

test('Shift+Enter makes a new line; a new session gets its own transcript', async ({ openApp }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await expect(page.locator('button.session[data-session="main"]')).toContainText('No messages yet');
  await page.getByLabel('Message to main').fill('in main');
  await page.getByLabel('Message to main').press('Enter');
  await expect(page.locator('article.message-assistant .markdown')).toHaveText('echo: in main');

  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByLabel('Session name').fill('research');
  await page.getByLabel('Session name').press('Enter');
  await expect(page.locator('.chat-header h1')).toHaveText('research');
  await expect(page.getByText('No messages in “research” yet')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);

  const composer = page.getByLabel('Message to research');
  await composer.fill('first line');
  await composer.press('Shift+Enter');
  await composer.pressSequentially('second line');
  await expect(composer).toHaveValue('first line\nsecond line');
  await composer.press('Enter');
  await expect(page.locator('article.message-assistant .markdown')).toContainText('second line');
  await expect(page.locator('button.session[data-session="research"]')).toContainText('echo: first line');

  await page.locator('button.session[data-session="main"]').click();
  await expect(page.locator('.chat-header h1')).toHaveText('main');
  await expect(page.locator('article.message-assistant .markdown')).toHaveText('echo: in main');
  await expect(page.getByTestId('transcript').getByText('second line')).toHaveCount(0);
});
