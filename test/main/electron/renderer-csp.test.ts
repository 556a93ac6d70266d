/**
 * The built renderer runs under the chat window's Content Security Policy.
 *
 * Chromium cannot load the `app://` scheme outside Electron, so the same handler
 * (`createAppFileHandler`: files, types and the CSP header) is put behind a
 * loopback HTTP server, and the page gets a stand-in for the preload's
 * `window.tether`. The page must start, load its script and styles, and trigger no
 * CSP violation; an inline script must be refused (the policy is really enforced).
 * Needs Debian's Chromium (`.ci/run` installs it); without it the test fails and says so.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFileHandler } from '../../../main/core/app-protocol.js';
import { stateWith } from '../../helpers/companion-state.js';

const RENDERER = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

describe('the renderer under the app CSP', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium ("sudo apt-get install -y chromium"), as .ci/run does`);
    if (!existsSync(`${RENDERER}index.html`)) throw new Error(`${RENDERER}index.html is missing: run "npm run build"`);
    const handle = createAppFileHandler({ root: RENDERER });
    server = createServer((request, response) => {
      handle(new Request(`app://tether${request.url ?? '/'}`, { method: request.method ?? 'GET' }))
        .then(async (answer) => {
          response.writeHead(answer.status, Object.fromEntries(answer.headers));
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => response.destroy(error as Error));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('starts with the preload-shaped bridge, loads its files, and violates nothing', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('console', (message) => {
      if (message.text().startsWith('CSP violation')) problems.push(message.text());
    });
    const state = stateWith({ since: Date.now() - 60_000 });
    const answers: Record<string, unknown> = {
      'app-info': { mode: 'electron', version: '0.0.0', platform: 'linux' },
      'get-state': state,
      'get-status': { via: 'supervisor', state, gateway: null },
      'list-sessions': { sessions: [] },
      'get-history': { session: 'main', messages: [] },
      'get-settings': { heartbeatsEnabled: true, cliFallbackEnabled: true, gatewayCommand: null, projectRoot: null },
      'get-stderr-tail': { lines: [] },
    };
    // Browser-side code as strings: this project type-checks without the DOM library.
    await page.addInitScript({
      content: `
        document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));
        const answers = ${JSON.stringify(answers)};
        window.tether = {
          invoke: async (channel) => (channel in answers ? { ok: true, value: answers[channel] } : { ok: false, error: { code: 'internal', message: 'no ' + channel + ' in this test' } }),
          on: () => () => undefined,
        };`,
    });
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction('document.body.innerText.trim().length > 0', undefined, { timeout: 15_000 });
    expect(await page.evaluate('[...document.styleSheets].reduce((rules, sheet) => rules + sheet.cssRules.length, 0)')).toBeGreaterThan(0);
    expect(await page.evaluate("typeof window.tether.invoke === 'function'")).toBe(true);
    expect(problems).toEqual([]);

    // The policy is enforced: an inline script is refused, and reported.
    const inlineRan = await page.evaluate(`(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return window.__inlineRan === true;
    })()`);
    expect(inlineRan).toBe(false);
    expect(problems).toEqual([expect.stringMatching(/^CSP violation: script-src/u)]);
  }, 60_000);
});
