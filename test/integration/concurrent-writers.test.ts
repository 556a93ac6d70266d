/**
 * Concurrent writers on one session: a running `tether rpc` child gets a stream of
 * sends to `main` while six `tether agent` workers, at the same time, each send
 * several messages to `main` on the same TETHER_HOME. Afterwards the transcript
 * file has one whole JSON record per line (nothing interleaved, torn or lost), the
 * user and assistant messages are exactly those sent, and the child's `sessions`
 * and `history` report the right counts. A second test hammers the compiled
 * transcript writer from six plain processes at once, which pins the same
 * guarantee at a rate that makes a race show up on every run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { TranscriptRecordSchema, type MessageRecord } from '../../rpc-host/core/transcript-file.js';
import { SendPayloadSchema } from '../../rpc-host/protocol/schemas.js';
import { REPO_ROOT, cleanupRpcChildren, createTempHome, runAgent, startRpcChild, type CliResult, type WireMessage } from '../helpers/rpc-child.js';
import { expectResult } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const AGENT_WORKERS = 6;
const MESSAGES_PER_AGENT = 4;
const RPC_BURST = 20;

describe('concurrent writers to one session', () => {
  it('never interleave or lose transcript lines', { timeout: 180_000 }, async () => {
    // A little streaming delay keeps the child's runs overlapping the agents' appends.
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '2' }, args: ['--heartbeats', 'off'] });
    expectResult('status', await child.request({ type: 'status', id: 'up' }));

    // Records of a few KB, so appends often straddle page boundaries; unique texts so each can be counted.
    const pad = 'x'.repeat(3000);
    const rpcTexts: string[] = [];
    const agentTexts = Array.from({ length: AGENT_WORKERS }, (_, w) => Array.from({ length: MESSAGES_PER_AGENT }, (_, i) => `agent-${w}-${i} ${pad}`));

    // Six workers, each running its agent processes one after another, all workers at once.
    const agentResults: CliResult[] = [];
    let agentsDone = false;
    const workers = Promise.all(
      agentTexts.map(async (texts) => {
        for (const text of texts) agentResults.push(await runAgent(['--message', text, '--json'], { TETHER_HOME: child.home }));
      }),
    ).finally(() => {
      agentsDone = true;
    });
    // Meanwhile the child gets a burst of queued sends, then a steady stream until the agents finish.
    const sendToChild = (): Promise<WireMessage> => {
      const text = `rpc-${rpcTexts.length} ${pad}`;
      rpcTexts.push(text);
      return child.request({ type: 'send', id: `rpc-${rpcTexts.length}`, text }, 120_000);
    };
    const answers = await Promise.all(Array.from({ length: RPC_BURST }, sendToChild));
    while (!agentsDone) answers.push(await sendToChild());
    await workers;

    for (const answer of answers) expect(expectResult('send', answer).meta.aborted).toBeUndefined();
    for (const result of agentResults) {
      expect(result.exitCode, result.stderr).toBe(0);
      SendPayloadSchema.parse(JSON.parse(result.stdout));
    }

    const sentTexts = [...rpcTexts, ...agentTexts.flat()];
    const expectedMessages = 2 * sentTexts.length;

    // The file: LF-terminated, every line one whole record (soft, so the counts below are checked too).
    const raw = readFileSync(join(child.home, 'sessions', 'main.jsonl'), 'utf8');
    const problems = transcriptProblems(raw);
    expect.soft(problems.slice(0, 5), `${problems.length} bad transcript lines`).toEqual([]);
    const records = raw
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => TranscriptRecordSchema.parse(JSON.parse(line)))
      // Streaming replies also leave checkpoint pieces; each message is one whole record.
      .filter((record): record is MessageRecord => record.type === 'message');
    expect(records).toHaveLength(expectedMessages);

    const users = records.filter((record) => record.role === 'user');
    const assistants = records.filter((record) => record.role === 'assistant');
    expect(users).toHaveLength(sentTexts.length);
    expect(assistants).toHaveLength(sentTexts.length);
    expect(users.map((record) => record.text).sort()).toEqual([...sentTexts].sort());
    // Each reply belongs to its own turn: same runId, the echo of that turn's text.
    const userByRun = new Map(users.map((record) => [record.runId, record]));
    expect(userByRun.size).toBe(sentTexts.length);
    for (const assistant of assistants) expect(assistant.text).toBe(`echo: ${userByRun.get(assistant.runId)?.text}`);
    expect(users.filter((record) => record.source === 'cli')).toHaveLength(AGENT_WORKERS * MESSAGES_PER_AGENT);
    expect(users.filter((record) => record.source === 'rpc')).toHaveLength(rpcTexts.length);
    // The writers really overlapped: in file order, child and agent records alternate more than once.
    const switches = users.slice(1).filter((record, i) => record.source !== users[i]!.source).length;
    expect(switches).toBeGreaterThan(1);

    // The child, which saw the outside writes only through the file, counts them all.
    const { sessions } = expectResult('sessions', await child.request({ type: 'sessions', id: 'sessions' }));
    expect(sessions).toMatchObject([{ key: 'main', messageCount: expectedMessages }]);
    const history = expectResult('history', await child.request({ type: 'history', id: 'history', session: 'main', limit: 1000 }));
    expect(history.total).toBe(expectedMessages);
    expect(history.messages).toHaveLength(expectedMessages);
  });
});

/** Parses a transcript: blank, torn and interleaved lines are all failures here. */
function transcriptProblems(raw: string): string[] {
  const problems: string[] = [];
  if (!raw.endsWith('\n')) problems.push('the file does not end with LF');
  raw
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      if (line === '') problems.push(`line ${index + 1} is blank`);
      else if (!TranscriptRecordSchema.safeParse(safeJson(line)).success) problems.push(`line ${index + 1} is not a record: ${line.slice(0, 80)}`);
    });
  return problems;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

describe('the compiled transcript writer under several processes', () => {
  it('writes exactly one record per line with six processes appending at once', { timeout: 120_000 }, async () => {
    const dir = createTempHome();
    const file = join(dir, 'shared.jsonl');
    const module = pathToFileURL(join(REPO_ROOT, 'dist', 'rpc-host', 'core', 'transcript-file.js')).href;
    const WRITERS = 6;
    const RECORDS = 1000;
    const script = `
      const { appendRecord } = await import(${JSON.stringify(module)});
      const [file, writer, count] = process.argv.slice(1);
      const pad = 'x'.repeat(3000);
      for (let i = 0; i < Number(count); i++) {
        appendRecord(file, { type: 'message', role: 'user', text: writer + '-' + i + ' ' + pad, ts: Date.now(), runId: writer + '-' + i });
      }
    `;
    await Promise.all(
      Array.from({ length: WRITERS }, (_, w) =>
        execa(process.execPath, ['--input-type=module', '-e', script, file, `w${w}`, String(RECORDS)], { cwd: REPO_ROOT, timeout: 60_000 }),
      ),
    );
    const raw = readFileSync(file, 'utf8');
    const problems = transcriptProblems(raw);
    expect.soft(problems.slice(0, 5), `${problems.length} bad lines`).toEqual([]);
    const runIds = raw.trim().split('\n').filter(Boolean).map((line) => (TranscriptRecordSchema.parse(JSON.parse(line)) as MessageRecord).runId);
    expect(new Set(runIds).size).toBe(WRITERS * RECORDS);
  });
});
