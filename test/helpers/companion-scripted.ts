/**
 * A companion on the scripted gateway (test/fixtures/scripted-gateway.mjs): each
 * send the child receives is logged, and follows a plan of steps (answer, die after
 * recording it, die at once, hang) that the test writes before or between sends.
 * Built on `makeCompanion`, so `cleanupCompanions` shuts it down.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompanionOptions } from '../../main/core/index.js';
import { makeCompanion, type TestCompanion } from './companion.js';
import { createTempHome } from './rpc-child.js';

const SCRIPTED_GATEWAY = fileURLToPath(new URL('../fixtures/scripted-gateway.mjs', import.meta.url));

/** What a scripted send does; see the fixture. */
export type ScriptedStep = 'answer' | 'die-after-event' | 'die-silent' | 'hang' | 'stream' | 'ask-approval';

/** A `send` line the scripted child received. */
export interface LoggedSend {
  type: 'send';
  id: number;
  text: string;
  session?: string;
  idempotencyKey?: string;
}

/** An `abort` line the scripted child received. */
export interface LoggedAbort {
  type: 'abort';
  id: number;
  runId?: string;
  session?: string;
}

/** A run of the scripted one-shot CLI. */
export interface LoggedCliRun {
  argv: string[];
  text: string;
}

/** A test companion plus the scripted child's plan and log. */
export interface ScriptedCompanion extends TestCompanion {
  /** Replaces the steps the next sends take (shared by every child the companion starts). */
  plan(steps: ScriptedStep[]): void;
  /** Every send the children received, in order. */
  sends(): LoggedSend[];
  /** Every abort the children received, in order. */
  aborts(): LoggedAbort[];
  /** Every one-shot CLI run, in order. */
  cliRuns(): LoggedCliRun[];
}

/** A companion whose gateway (and CLI) is the scripted fixture; restarts come quickly unless `restartPolicy` says otherwise. */
export function makeScriptedCompanion(options: CompanionOptions = {}): ScriptedCompanion {
  const dir = createTempHome('tether-scripted-');
  const planFile = join(dir, 'plan.json');
  const logFile = join(dir, 'log.jsonl');
  const made = makeCompanion({
    command: { file: process.execPath, args: [SCRIPTED_GATEWAY] },
    ...options,
    restartPolicy: { initialDelayMs: 20, jitterRatio: 0, ...options.restartPolicy },
    extraEnv: { TETHER_FAKE_PLAN: planFile, TETHER_FAKE_LOG: logFile, ...options.extraEnv },
  });
  const logged = (): Record<string, unknown>[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>)
      : [];
  return {
    ...made,
    plan(steps) {
      writeFileSync(planFile, JSON.stringify(steps));
    },
    sends: () => logged().filter((entry) => entry.type === 'send') as unknown as LoggedSend[],
    aborts: () => logged().filter((entry) => entry.type === 'abort') as unknown as LoggedAbort[],
    cliRuns: () => logged().filter((entry) => Array.isArray(entry.argv)) as unknown as LoggedCliRun[],
  };
}
