/**
 * The web UI in Chromium (Debian's, headless): time to interactive, time to open a
 * 10,000-message session, and how smoothly that session scrolls.
 *
 * Runs the real `tether app --web` (built dist/) with a 10,000-message session
 * written into its data dir. Figures:
 * - time to interactive: from navigation start to the app's `tether:interactive`
 *   mark (bridge connected, gateway state shown, composer usable); the first load,
 *   then the median of reloads (HTTP cache warm, as when a user reopens the tab);
 * - open 10k session: from the click on the session to the frame in which its last
 *   message is on screen, measured inside the page (no test-driver overhead);
 * - scroll: the transcript scrolled up 150 px per animation frame for 240 frames
 *   (pulling in older pages as it goes); frame intervals p50/p95/max and how many
 *   took longer than 50 ms (a visible hitch).
 * Targets: TTI ≤ 1000 ms, open ≤ 500 ms, scroll p95 ≤ 50 ms.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchWebApp } from '../test/e2e/web-app.js';
import { writeLongSession } from '../test/e2e/long-session.js';
import { isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';

const RELOADS = 10;
const OPENS = 7;
const SESSION_MESSAGES = 10_000;
const TARGET_TTI_MS = 1000;
const TARGET_OPEN_MS = 500;
const TARGET_FRAME_P95_MS = 50;

// In-page scripts as text: tsx (esbuild) would wrap named functions in a helper the page lacks.
/** Clicks the long session and resolves with the ms until its last message is on screen. */
const OPEN_SESSION_SCRIPT = `new Promise((resolve, reject) => {
  const needle = NEEDLE;
  const start = performance.now();
  document.querySelector('button.session[data-session="long"]').click();
  const look = () => {
    const all = document.querySelectorAll('article.message');
    const last = all[all.length - 1];
    if (last && last.textContent.includes(needle)) return resolve(performance.now() - start);
    if (performance.now() - start > 20000) return reject(new Error('the last message did not show in 20 s'));
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})`;

/** Scrolls the transcript up 150 px per frame for 240 frames; resolves with the frame intervals. */
const SCROLL_SCRIPT = `new Promise((resolve) => {
  const el = document.querySelector('[data-testid="transcript"]');
  const intervals = [];
  let last = performance.now();
  let count = 0;
  const step = (now) => {
    intervals.push(now - last);
    last = now;
    el.scrollTop = Math.max(0, el.scrollTop - 150);
    if (++count < 240) requestAnimationFrame(step);
    else resolve(intervals.slice(1));
  };
  requestAnimationFrame(step);
})`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function measureWebUi(): Promise<SummaryRow[]> {
  const app = await launchWebApp();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    writeLongSession(app.dataDir, 'long', SESSION_MESSAGES);
    writeLongSession(app.dataDir, 'short', 4);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    const tti = async (): Promise<number> => {
      await page.waitForFunction(() => performance.getEntriesByName('tether:interactive').length > 0, undefined, { timeout: 30_000 });
      return page.evaluate(() => performance.getEntriesByName('tether:interactive')[0]!.startTime);
    };
    await page.goto(app.url);
    const firstTti = await tti();
    await page.locator('[data-testid="gateway-state"][data-state="running"]').waitFor({ timeout: 30_000 });
    const reloadTtis: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      await page.reload();
      reloadTtis.push(await tti());
    }
    await page.locator('[data-testid="gateway-state"][data-state="running"]').waitFor({ timeout: 30_000 });
    await page.locator('button.session[data-session="long"]').waitFor();

    // Open the long session (from a short one), and back, several times.
    const openTimes: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      const ms = (await page.evaluate(OPEN_SESSION_SCRIPT.replace('NEEDLE', JSON.stringify(`answer ${SESSION_MESSAGES - 1}`)))) as number;
      openTimes.push(ms);
      await page.locator('button.session[data-session="short"]').click();
      await page.locator('.chat-header h1', { hasText: 'short' }).waitFor();
    }

    // Scroll the long session upwards, frame by frame.
    await page.locator('button.session[data-session="long"]').click();
    await page.locator('article.message', { hasText: `answer ${SESSION_MESSAGES - 1}` }).waitFor();
    const rows = await page.locator('.transcript-row').count();
    const frames = (await page.evaluate(SCROLL_SCRIPT)) as number[];
    const loadedAfterScroll = await page.evaluate(() => document.querySelector('article.message')?.textContent ?? '');

    const ttiMedian = median(reloadTtis);
    const openMedian = median(openTimes);
    const frameP50 = percentile(frames, 50);
    const frameP95 = percentile(frames, 95);
    const hitches = frames.filter((ms) => ms > 50).length;
    printTable(
      `web UI in Chromium (headless, ${CHROMIUM_PATH}); session of ${SESSION_MESSAGES.toLocaleString('en-US')} messages`,
      ['figure', 'median ms', 'min ms', 'max ms', 'runs'],
      [
        ['time to interactive, first load', firstTti.toFixed(0), '', '', '1'],
        ['time to interactive, reload', ttiMedian.toFixed(0), Math.min(...reloadTtis).toFixed(0), Math.max(...reloadTtis).toFixed(0), String(RELOADS)],
        ['open 10k-message session', openMedian.toFixed(0), Math.min(...openTimes).toFixed(0), Math.max(...openTimes).toFixed(0), String(OPENS)],
      ],
    );
    printTable(
      'scrolling the 10k session up, 150 px per frame',
      ['frames', 'p50 ms', 'p95 ms', 'max ms', '> 50 ms', 'rows in DOM', 'top row at the end'],
      [[String(frames.length), frameP50.toFixed(1), frameP95.toFixed(1), Math.max(...frames).toFixed(1), String(hitches), String(rows), (/Question \d+|answer \d+/u.exec(loadedAfterScroll)?.[0] ?? '?')]],
    );
    return [
      { figure: 'web UI time to interactive (reload, median)', measured: `${ttiMedian.toFixed(0)} ms (first load ${firstTti.toFixed(0)} ms)`, target: `≤ ${TARGET_TTI_MS} ms`, pass: ttiMedian <= TARGET_TTI_MS && firstTti <= TARGET_TTI_MS },
      { figure: 'open a 10,000-message session (median)', measured: `${openMedian.toFixed(0)} ms`, target: `≤ ${TARGET_OPEN_MS} ms`, pass: openMedian <= TARGET_OPEN_MS },
      { figure: 'scroll the 10,000-message session, frame p95', measured: `${frameP95.toFixed(1)} ms (${hitches} frames > 50 ms)`, target: `≤ ${TARGET_FRAME_P95_MS} ms`, pass: frameP95 <= TARGET_FRAME_P95_MS },
    ];
  } finally {
    await browser.close();
    await app.dispose();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('web UI', measureWebUi);
