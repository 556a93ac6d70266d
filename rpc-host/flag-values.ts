/**
 * The two places where `node:util` parseArgs and a newcomer disagree about a flag's
 * value, settled before and after it runs.
 *
 * - `--echo-delay -3`: parseArgs calls a value that starts with a dash "ambiguous".
 *   A negative number is never one of our flags, so it is passed on as the value and
 *   the flag's own check says what is wrong with it.
 * - `-m` with nothing (or another flag) after it: parseArgs says
 *   `Option '-m, --message <value>' argument missing`; we name the flag and show how
 *   to give it a value.
 */
import type { ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** `argv` with each negative number after a value-taking flag joined to it (`--echo-delay=-3`). */
export function negativeNumbersAsValues(argv: readonly string[], options: FlagOptions): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = valueFlagName(argv[i]!, options);
    const next = argv[i + 1];
    if (name !== undefined && next !== undefined && /^-\d/u.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
      continue;
    }
    out.push(argv[i]!);
  }
  return out;
}

/**
 * The message for a value-taking flag given without its value, or undefined when
 * there is none such in `argv`.
 */
export function missingValueMessage(argv: readonly string[], options: FlagOptions): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined; // the rest are not flags
    const name = valueFlagName(arg, options);
    if (name === undefined) continue;
    const next = argv[i + 1];
    const label = arg === `--${name}` ? arg : `${arg} (--${name})`;
    if (next === undefined) return `${label} needs a value, e.g. ${arg} ${exampleValue(name)}`;
    if (next.startsWith('-')) {
      return `${label} needs a value, but ${JSON.stringify(next)} follows it; put the value right after it, or write --${name}=${next} if that is the value`;
    }
  }
  return undefined;
}

/** The long name of a value-taking flag as typed (`--message` or `-m`, without `=`), else undefined. */
function valueFlagName(arg: string, options: FlagOptions): string | undefined {
  if (arg.startsWith('--') && !arg.includes('=')) {
    const name = arg.slice(2);
    return options[name]?.type === 'string' ? name : undefined;
  }
  if (/^-[A-Za-z]$/u.test(arg)) {
    const entry = Object.entries(options).find(([, option]) => option.short === arg.slice(1));
    return entry !== undefined && entry[1].type === 'string' ? entry[0] : undefined;
  }
  return undefined;
}

function exampleValue(name: string): string {
  if (name === 'message') return '"hello"';
  if (name === 'home') return '~/tether-data';
  if (name === 'config') return './config.json';
  return 'VALUE';
}
