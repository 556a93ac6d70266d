#!/usr/bin/env node
/**
 * Adds up several test runs into the one closing line the CI reads:
 * `N passed, N failed, N skipped`.
 *
 * Each argument is a counts file that scripts/run-tests.mjs wrote (one per run,
 * e.g. one per Node version). A missing or unreadable file, and a run that exited
 * non-zero without a failed test, count as one failure each, so a run that broke
 * never looks green. Exits non-zero when anything failed.
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/sum-test-counts.mjs COUNTS.json...');
  process.exit(2);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of files) {
  const run = readCounts(file);
  if (!run) {
    console.log(`${file}: no counts (the run died before its closing line); counted as one failure`);
    totals.failed += 1;
    continue;
  }
  // A run can fail with no failed test (a runner crash, no test at all): count it once.
  const failed = run.exitCode !== 0 && run.failed === 0 ? 1 : run.failed;
  console.log(`Node ${run.node} - ${run.passed} passed, ${failed} failed, ${run.skipped} skipped (exit code ${run.exitCode})`);
  totals.passed += run.passed;
  totals.failed += failed;
  totals.skipped += run.skipped;
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);

/** Reads one run's counts, or undefined when the file is missing or not what run-tests.mjs writes. */
function readCounts(file) {
  let run;
  try {
    run = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // missing or torn: the caller counts it as a failure
  }
  const numbers = ['passed', 'failed', 'skipped', 'exitCode'].every((key) => Number.isInteger(run?.[key]));
  return numbers && typeof run.node === 'string' ? run : undefined;
}
