/**
 * A send the provider cannot answer: the gateway stores the message and a failed
 * reply saying why, so the failure keeps its marker and its place after a reload;
 * "Send again" resends under the same idempotency key, so the message is never
 * stored (or sent to the model) twice.
 */
import type { Page } from '@playwright/test';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { closedPort } from '../helpers/webhook-receiver.js';
import { expect, expectGatewayState, test as base } from './fixtures.js';

/** The rows on screen: who, how a reply ended, and the text. */
async function transcriptRows(page: Page): Promise<string[][]> {
  return page.locator('article.message').evaluateAll((articles) =>
    articles.map((article) => [article.getAttribute('data-role') ?? '', article.getAttribute('data-state') ?? '', (article.querySelector('.markdown, .message-plain')?.textContent ?? '').trim()]),
  );
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message to main').fill(text);
  await page.getByLabel('Message to main').press('Enter');
}

/** The only provider is an OpenAI-style server at a port nothing listens on. */
const withClosedProvider = base.extend({
  launch: async ({}, use) => {
    const port = await closedPort();
    await use({ config: { provider: 'local', providers: { local: { type: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'gone' } } } });
  },
});

withClosedProvider('a failed send keeps its marker and its place after a reload', async ({ openApp, shot }) => {
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await send(page, 'first try');
  const failures = page.locator('article.message-assistant[data-state="failed"]');
  await expect(failures).toHaveCount(1);
  await expect(failures.first().locator('.message-error')).toContainText('No reply: ');
  await expect(failures.first().locator('.message-error')).toContainText('cannot reach');
  await send(page, 'second try');
  await expect(failures).toHaveCount(2);
  // Each failure once, on its reply, with one Send again; no error left on the messages.
  await expect(page.locator('article.message-user.is-failed')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send again' })).toHaveCount(2);
  const before = await transcriptRows(page);
  expect(before).toEqual([
    ['user', '', 'first try'],
    ['assistant', 'failed', ''],
    ['user', '', 'second try'],
    ['assistant', 'failed', ''],
  ]);
  await shot('14-failed-send');

  await page.reload();
  await expectGatewayState(page, 'running');
  await expect(failures).toHaveCount(2);
  expect(await transcriptRows(page)).toEqual(before);
  await expect(failures.last().locator('.message-error')).toContainText('cannot reach');
  await expect(page.getByRole('button', { name: 'Send again' })).toHaveCount(2);
});

/** The only provider is a real OpenAI-style server the test scripts (the first request fails). */
const withScriptedProvider = base.extend<{ provider: FakeOpenAiServer }>({
  provider: async ({}, use) => {
    const server = await startFakeOpenAiServer();
    await use(server);
    await server.close();
  },
  launch: async ({ provider }, use) => {
    await use({ config: { provider: 'local', providers: { local: { type: 'openai', baseUrl: provider.baseUrl, model: 'fake-model' } } } });
  },
});

withScriptedProvider('"Send again" sends the same message once: one user message in the window, in history and to the model', async ({ openApp, provider, bridge, shot }) => {
  provider.next({ kind: 'error', status: 500, body: JSON.stringify({ error: { message: 'the model is overloaded' } }) });
  const page = await openApp();
  await expectGatewayState(page, 'running');
  await send(page, 'please answer');
  const failed = page.locator('article.message-assistant[data-state="failed"]');
  await expect(failed.locator('.message-error')).toContainText('the model is overloaded');

  await failed.getByRole('button', { name: 'Send again' }).click();
  const answer = page.locator('article.message-assistant[data-state="complete"]');
  await expect(answer.locator('.markdown')).toHaveText('Hello there!');
  await expect(page.getByRole('button', { name: 'Send again' })).toHaveCount(0);
  expect(await transcriptRows(page)).toEqual([
    ['user', '', 'please answer'],
    ['assistant', 'failed', ''],
    ['assistant', 'complete', 'Hello there!'],
  ]);
  await shot('15-send-again');

  // The gateway stored the message once, and the model saw it once.
  const history = await bridge.call('get-history', { session: 'main' });
  expect(history.messages.filter((message) => message.role === 'user').map((message) => message.text)).toEqual(['please answer']);
  expect(provider.requests).toHaveLength(2);
  expect(provider.requests[1]!.body.messages!.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['please answer']);

  await page.reload();
  await expectGatewayState(page, 'running');
  await expect(answer.locator('.markdown')).toHaveText('Hello there!');
  await expect(page.locator('article.message-user')).toHaveCount(1);
  await expect(failed).toHaveCount(1);
});

withScriptedProvider('a reply that breaks off in another window ends here too, marked failed, instead of streaming for ever', async ({ app, openApp, context, provider }) => {
  provider.next({ kind: 'midStreamError', pieces: ['Hel', 'lo'], message: 'the model crashed' });
  const page = await openApp();
  await expectGatewayState(page, 'running');
  const other = await context.newPage();
  await other.goto(app.url);
  await expectGatewayState(other, 'running');

  await send(page, 'from the first window');
  for (const window of [page, other]) {
    const reply = window.locator('article.message-assistant');
    await expect(reply).toHaveAttribute('data-state', 'failed');
    await expect(reply.locator('.markdown')).toHaveText('Hello');
    await expect(reply.locator('.message-error')).toContainText('The reply broke off: ');
    await expect(reply.locator('.message-error')).toContainText('the model crashed');
    await expect(window.getByRole('button', { name: 'Abort' })).toHaveCount(0);
  }
  await other.close();
});
