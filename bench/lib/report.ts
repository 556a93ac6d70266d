/**
 * Printing results: aligned tables, the pass/fail summary, and the standalone runner
 * every bench script shares.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One line of the summary: what was measured against what it should be. */
export interface SummaryRow {
  figure: string;
  measured: string;
  target: string;
  pass: boolean;
}

/** Prints a table; the first column is left-aligned, the others right-aligned (numbers). */
export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: readonly string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const lines = [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)];
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
}

/** Prints the summary rows as a table with a pass/fail column. */
export function printSummary(title: string, rows: readonly SummaryRow[]): void {
  printTable(
    title,
    ['figure', 'measured', 'target', 'result'],
    rows.map((row) => [row.figure, row.measured, row.target, row.pass ? 'pass' : 'FAIL']),
  );
}

/** Microseconds with one decimal, from nanoseconds. */
export function formatUs(ns: number): string {
  return (ns / 1e3).toFixed(1);
}

/** Milliseconds with two decimals, from nanoseconds. */
export function formatMs(ns: number): string {
  return (ns / 1e6).toFixed(2);
}

/** A ratio such as `2.4×`. */
export function formatRatio(ratio: number): string {
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

/** An integer with thousands separators. */
export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** True when the module at `moduleUrl` is the script Node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === moduleUrl;
}

/**
 * Runs one bench as a script: prints its summary, exit code 1 if a target is missed.
 *
 * An error (a wrong answer, a dead child, a timeout) is not a result: it prints the
 * message and exits 2, so a broken child never passes for a slow or fast one.
 */
export function runStandalone(title: string, measure: () => Promise<SummaryRow[]>): void {
  measure().then(
    (rows) => {
      printSummary(title, rows);
      if (rows.some((row) => !row.pass)) process.exitCode = 1;
    },
    (error: unknown) => {
      process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
