/**
 * The main path: open the UI, send a message, watch the reply stream in and
 * finish, find the session in the list, reload and find it all still there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

test.describe('heartbeats', () => {
  // A prompt echo repeats (not HEARTBEAT_OK), so each heartbeat becomes a reply.
  test.use({ launch: { config: { heartbeats: { intervalMs: 1500, prompt: 'Heartbeat: anything new?' } } } });

  test('a heartbeat reply appears in main with its badge, and the panel shows the outcome', async ({ openApp, shot }) => {
    const page = await openApp();
    await expectGatewayState(page, 'running');
    const reply = page.locator('article.message-assistant', { has: page.locator('.badge-heartbeat') }).first();
    await expect(reply.locator('.markdown')).toHaveText('echo: Heartbeat: anything new?');
    await expect(page.getByTestId('heartbeats-line')).toContainText('last sent', { timeout: 10_000 });
    await shot('09-heartbeat-reply');

    // While another session is open, the next heartbeat reply marks main unread.
    await page.getByRole('button', { name: 'New session' }).click();
    await page.getByLabel('Session name').fill('elsewhere');
    await page.getByLabel('Session name').press('Enter');
    await expect(page.locator('.chat-header h1')).toHaveText('elsewhere');
    const main = page.locator('button.session[data-session="main"]');
    await expect(main.getByLabel('unread')).toBeVisible({ timeout: 10_000 });
    await main.click();
    await expect(main.getByLabel('unread')).toHaveCount(0);

    await page.getByLabel('Send heartbeats').uncheck();
    await expect(page.getByTestId('heartbeats-line')).toHaveText('off');
  });
});

test('replies render markdown safely: no raw HTML, code blocks with Copy, links open outside the window', async ({ openApp, page, context, shot }) => {
  await openApp();
  await expectGatewayState(page, 'running');
  const text = 'Some **bold** and `inline`, a [link](https://example.com/docs) and <img src="x" onerror="window.pwned=1"> raw html\n\n```js\nconst answer = 42;\n```\n\n[bad](javascript:window.pwned=2)';
  await page.getByLabel('Message to main').fill(text);
  await page.getByLabel('Message to main').press('Enter');
  const reply = page.locator('article.message-assistant').last();
  await expect(reply.locator('strong')).toHaveText('bold');
  await expect(reply.locator('.code-block pre')).toContainText('const answer = 42;');
  await expect(reply.locator('img')).toHaveCount(0);
  await expect(reply.getByRole('link', { name: 'bad' })).not.toHaveAttribute('href', /javascript/u);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

  // Click once the reply is final: a code block re-rendered by the last reply event starts over as "Copy".
  // With clipboard access granted, the copied text can be read back (without it, headless Chromium may
  // leave writeText pending for ever, and the button with it).
  await expect(reply.locator('.badge-streaming')).toHaveCount(0);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  await reply.getByRole('button', { name: 'Copy code' }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('const answer = 42;');

  // No network here: answer the external site locally so the new tab has a URL to show.
  await context.route('https://example.com/**', (route) => route.fulfill({ body: 'outside', contentType: 'text/plain' }));
  const popup = context.waitForEvent('page');
  await reply.getByRole('link', { name: 'link' }).click();
  expect((await popup).url()).toBe('https://example.com/docs');
  expect(page.url()).toContain('127.0.0.1'); // the app itself did not navigate
  await shot('10-markdown');
});

test('works from the keyboard alone, with a visible focus, and fits a narrow window', async ({ openApp, page, shot }) => {
  await openApp();
  await expectGatewayState(page, 'running');
  // Focus starts in the message box (issue 18); Shift+Tab walks back to "New session".
  await expect(page.getByLabel('Message to main')).toBeFocused();
  const newSession = page.getByRole('button', { name: 'New session' });
  for (let i = 0; i < 10 && !(await newSession.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Shift+Tab');
  await expect(newSession).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Session name')).toBeFocused();
  await page.keyboard.type('keys');
  await page.keyboard.press('Enter');
  await expect(page.locator('.chat-header h1')).toHaveText('keys');

  // Into the composer by Tab, send with Enter.
  const composer = page.getByLabel('Message to keys');
  for (let i = 0; i < 10 && !(await composer.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(composer).toBeFocused();
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await expect(page.locator('article.message-assistant .markdown')).toHaveText('echo: typed without a mouse');

  // The focused session button shows a focus ring.
  await page.locator('button.session[data-session="keys"]').focus();
  const outline = await page.locator('button.session[data-session="keys"]').evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');
  await shot('11-keyboard-focus');

  await page.setViewportSize({ width: 820, height: 700 });
  await expect(page.getByRole('button', { name: 'Restart gateway' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const transcriptBox = await page.getByTestId('transcript').boundingBox();
  expect(transcriptBox!.height).toBeGreaterThan(150);
  await shot('12-narrow');
});

test('thinking level and delivery go with the send: the reply lands in the outbox for its target', async ({ app, openApp, page, bridge }) => {
  await openApp();
  await expectGatewayState(page, 'running');
  await page.getByLabel('Thinking').selectOption('high');
  await page.getByLabel('Deliver').check();
  await page.getByLabel('Message to main').fill('deliver this');
  await expect(page.locator('#composer-reason')).toContainText('default delivery target');
  await page.getByLabel('to', { exact: true }).fill('+15551234567');
  await page.getByLabel('Message to main').press('Enter');
  await expect(page.locator('article.message-assistant .markdown')).toHaveText('echo: deliver this');
  await expect(page.locator('article.message-assistant .message-notes')).toHaveText('Delivered');

  const outbox = join(app.dataDir, 'outbox.jsonl');
  await expect.poll(() => existsSync(outbox)).toBe(true);
  const delivered = readFileSync(outbox, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { to: string; text: string; session: string });
  expect(delivered).toEqual([expect.objectContaining({ to: '+15551234567', text: 'echo: deliver this', session: 'main' })]);
  const { sessions } = await bridge.call('list-sessions', {});
  expect(sessions.find((session) => session.key === 'main')?.thinking).toBe('high');

  // Without a "to" and no default target configured, the gateway refuses and the message says why.
  await page.getByLabel('to', { exact: true }).fill('');
  await page.getByLabel('Message to main').fill('deliver where?');
  await page.getByLabel('Message to main').press('Enter');
  await expect(page.locator('article.message.is-failed .message-error')).toContainText('needs a "to" target');
});
