#!/usr/bin/env node
/**
 * Runs every test suite and closes with one line the CI reads:
 * `N passed, N failed, N skipped`.
 *
 * Vitest does not print such a line itself, so each suite writes a JSON report
 * under test-results/ and the counts are summed from those reports. A suite that
 * crashed before reporting counts as one failure, so a broken run never looks green.
 * The same counts, with the Node version and the exit code, go to
 * test-results/counts.json, so a caller that runs the suites more than once (.ci/run,
 * on two Node versions) can add the runs up into one closing line of its own.
 * The Python client's pytest suite (scripts/pytest-suite.mjs, which sets up its venv
 * from PyPI when missing) runs after vitest, whose global setup has built dist/; it
 * reports JUnit XML. Extra arguments select suites: those under clients/python go to
 * pytest, the others to vitest (e.g. `npm test -- test/rpc-host` runs vitest alone,
 * `npm test -- test/rpc-host clients/python` both). Without arguments every suite runs,
 * and the Playwright end-to-end suite last, when a playwright.config.ts exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const countsFile = join(resultsDir, 'counts.json');
rmSync(countsFile, { force: true }); // a run that dies before the end leaves none, not an old one

const extraArgs = process.argv.slice(2);
const isPythonArg = (arg) => arg.startsWith('clients/python') || arg.startsWith('./clients/python');
const pythonArgs = extraArgs.filter(isPythonArg).map((arg) => arg.replace(/^(\.\/)?clients\/python\/?/u, '') || '.');
const vitestArgs = extraArgs.filter((arg) => !isPythonArg(arg));
const runAll = extraArgs.length === 0;

/** The suites, in order; each has a runner command, the report it writes and how to count it. */
const suites = [];
if (runAll || vitestArgs.length > 0) suites.push(
  {
    name: 'vitest',
    report: join(resultsDir, 'vitest.json'),
    command: [
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(resultsDir, 'vitest.json')}`,
        ...vitestArgs,
      ],
    ],
    count: (text) => countVitest(JSON.parse(text)),
  },
);

if (runAll || pythonArgs.length > 0) {
  const report = join(resultsDir, 'pytest.xml');
  suites.push({
    name: 'pytest',
    report,
    command: [process.execPath, [join(root, 'scripts/pytest-suite.mjs'), report, ...pythonArgs]],
    count: countJunit,
  });
}

const playwrightConfig = join(root, 'playwright.config.ts');
if (runAll && existsSync(playwrightConfig)) {
  const report = join(resultsDir, 'playwright.json');
  suites.push({
    name: 'playwright',
    report,
    command: [
      process.execPath,
      [join(root, 'node_modules/@playwright/test/cli.js'), 'test', '--config', playwrightConfig, '--reporter=list,json'],
    ],
    env: { PLAYWRIGHT_JSON_OUTPUT_FILE: report, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
    count: (text) => countPlaywright(JSON.parse(text)),
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const suite of suites) {
  rmSync(suite.report, { force: true });
  const [command, args] = suite.command;
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...suite.env } });
  if (run.status !== 0) exitCode = 1;
  const counts = existsSync(suite.report) ? suite.count(readFileSync(suite.report, 'utf8')) : undefined;
  if (!counts) {
    console.error(`\n${suite.name}: no report at ${suite.report} (the runner exited with ${run.status ?? run.signal}); counted as one failure`);
    totals.failed += 1;
    exitCode = 1;
    continue;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  if (counts.failed > 0) exitCode = 1;
}

if (totals.passed + totals.failed === 0) {
  console.error('\nno test ran: that is a failure, not a pass');
  exitCode = 1;
}
writeFileSync(countsFile, `${JSON.stringify({ node: process.version, ...totals, exitCode })}\n`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);

/** Counts a vitest JSON report; a file that failed without a failing test (e.g. an import error) counts once. */
function countVitest(report) {
  let failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const anyFailedAssertion = (file.assertionResults ?? []).some((test) => test.status === 'failed');
    if (file.status === 'failed' && !anyFailedAssertion) failed += 1;
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** Counts a Playwright JSON report: flaky tests passed on retry; an error outside any test counts once. */
function countPlaywright(report) {
  const stats = report.stats ?? {};
  const setupErrors = (report.errors ?? []).length;
  return {
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: (stats.unexpected ?? 0) + setupErrors,
    skipped: stats.skipped ?? 0,
  };
}

/**
 * Counts a JUnit XML report (pytest's): tests, failures, errors and skips of each
 * <testsuite>. A report with no <testsuite> is unreadable and counts as missing.
 */
function countJunit(xml) {
  const suitesFound = [...xml.matchAll(/<testsuite\b([^>]*)>/gu)].map((match) => match[1]);
  if (suitesFound.length === 0) return undefined;
  const attribute = (attributes, name) => Number(new RegExp(`\\b${name}="(\\d+)"`, 'u').exec(attributes)?.[1] ?? 0);
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const attributes of suitesFound) {
    const failed = attribute(attributes, 'failures') + attribute(attributes, 'errors');
    const skipped = attribute(attributes, 'skipped');
    totals.failed += failed;
    totals.skipped += skipped;
    totals.passed += attribute(attributes, 'tests') - failed - skipped;
  }
  return totals;
}
