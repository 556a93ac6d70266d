/**
 * Tools in the chat window, end to end: the real web app, its gateway child, a real
 * MCP server (the fixture, over stdio) and the fake OpenAI server asking for tool
 * calls. A call that asks shows an approval card with its arguments; Allow runs it,
 * Deny does not (the fixture's notes file says which); the calls and the tool's
 * output show under the reply as tool output, apart from the reply's words.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { expect, expectGatewayState, test } from './fixtures.js';
import { REPO_ROOT } from './web-app.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'mcp-tool-server.mjs');

let model: FakeOpenAiServer;
let scratch: string;
test.beforeAll(async () => {
  model = await startFakeOpenAiServer();
  scratch = mkdtempSync(join(tmpdir(), 'tether-e2e-tools-'));
});
test.afterAll(async () => {
  await model.close();
  rmSync(scratch, { recursive: true, force: true });
});
test.afterEach(() => model.reset());

const notesFile = (name: string) => join(scratch, `${name}.txt`);

test.use({
  launch: async ({}, use, testInfo) => {
    await use({
      config: {
        provider: 'local',
        providers: { local: { type: 'openai', baseUrl: model.baseUrl, model: 'tool-model' } },
        mcpServers: { fixture: { command: process.execPath, args: [FIXTURE], env: { NOTES_FILE: notesFile(testInfo.testId) } } },
        tools: { default: ['fixture/add', 'fixture/write_note'] },
      },
    });
  },
});

const call = (name: string, args: unknown) => ({ name, arguments: JSON.stringify(args) });

/** Screenshots of the page at 1280 and 420 px wide, attached to the report. */
async function attachShots(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const width of [1280, 420]) {
    await page.setViewportSize({ width, height: 800 });
    const path = testInfo.outputPath(`${name}-${width}.png`);
    await page.screenshot({ path, animations: 'disabled' }); // the drawers slide shut when the width drops
    await testInfo.attach(`${name}-${width}`, { path, contentType: 'image/png' });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function send(page: Page, text: string): Promise<void> {
  await expectGatewayState(page, 'running');
  const composer = page.getByLabel('Message to main');
  await composer.fill(text);
  await composer.press('Enter');
}

test('Allow once runs the call; the calls and their output show apart from the reply', async ({ openApp }, testInfo) => {
  model.next(
    { kind: 'toolCalls', calls: [call('fixture__add', { a: 2, b: 3 }), call('fixture__write_note', { text: 'buy milk' })] },
    { kind: 'stream', pieces: ['2 + 3 = 5,', ' and the note is saved.'] },
  );
  const page = await openApp();
  await send(page, 'add 2 and 3, and note: buy milk');

  const card = page.getByTestId('approval-card');
  await expect(card).toBeVisible();
  await expect(card).toContainText('fixture/write_note');
  await expect(card.getByTestId('approval-arguments')).toHaveText('{\n  "text": "buy milk"\n}');
  await expect(page.locator('[data-testid="tool-call"][data-outcome="waiting"]')).toContainText('fixture/write_note');
  await attachShots(page, testInfo, 'approval-card');
  expect(existsSync(notesFile(testInfo.testId))).toBe(false); // nothing ran before the answer

  await card.getByRole('button', { name: 'Allow once' }).click();
  await expect(page.getByTestId('approval-card')).toHaveCount(0);

  const reply = page.locator('article.message-assistant').last();
  await expect(reply.locator('.markdown')).toHaveText('2 + 3 = 5, and the note is saved.');
  const calls = reply.getByTestId('tool-call');
  await expect(calls).toHaveCount(2);
  await expect(calls.nth(0)).toHaveAttribute('data-outcome', 'ok');
  await expect(calls.nth(1)).toHaveAttribute('data-outcome', 'ok');
  expect(readFileSync(notesFile(testInfo.testId), 'utf8')).toContain('buy milk');

  // The tool's output is its own preformatted text, outside the reply's markdown.
  await calls.nth(0).locator('summary').click();
  const output = calls.nth(0).getByTestId('tool-call-output');
  await expect(output).toBeVisible();
  await expect(output).toHaveText('5');
  await expect(reply.locator('.markdown [data-testid="tool-call-output"]')).toHaveCount(0);
  await expect(reply.locator('.markdown')).not.toContainText('"a": 2');
  await attachShots(page, testInfo, 'tool-output');

  // History brings the same calls back after a reload.
  await page.reload();
  await expectGatewayState(page, 'running');
  await expect(page.locator('article.message-assistant').last().getByTestId('tool-call')).toHaveCount(2);
});

test('Deny does not run the call, and the reply goes on', async ({ openApp }, testInfo) => {
  model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'secret plans' })] }, { kind: 'stream', pieces: ['Understood, no note.'] });
  const page = await openApp();
  await send(page, 'note my secret plans');

  const card = page.getByTestId('approval-card');
  await expect(card.getByTestId('approval-arguments')).toHaveText('{\n  "text": "secret plans"\n}');
  await card.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByTestId('approval-card')).toHaveCount(0);

  const reply = page.locator('article.message-assistant').last();
  await expect(reply.locator('.markdown')).toHaveText('Understood, no note.');
  await expect(reply.getByTestId('tool-call')).toHaveAttribute('data-outcome', 'denied');
  expect(existsSync(notesFile(testInfo.testId))).toBe(false);
  expect(model.requests[1]?.body.messages?.find((message) => message.role === 'tool')?.content).toMatch(/denied/u);
  await attachShots(page, testInfo, 'denied');
});

test('a window reloaded while a call waits shows its card again, and Allow still runs it', async ({ openApp }, testInfo) => {
  model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'after reload' })] }, { kind: 'stream', pieces: ['Saved after the reload.'] });
  const page = await openApp();
  await send(page, 'note: after reload');
  await expect(page.getByTestId('approval-card')).toBeVisible();

  // The reloaded page missed the approval.requested event: main still knows the call waits.
  await page.reload();
  await expectGatewayState(page, 'running');
  const card = page.getByTestId('approval-card');
  await expect(card).toBeVisible();
  await expect(card.getByTestId('approval-arguments')).toHaveText('{\n  "text": "after reload"\n}');
  await card.getByRole('button', { name: 'Allow once' }).click();
  await expect(page.getByTestId('approval-card')).toHaveCount(0);
  await expect(page.locator('article.message-assistant').last().locator('.markdown')).toHaveText('Saved after the reload.');
  expect(readFileSync(notesFile(testInfo.testId), 'utf8')).toContain('after reload');
});
