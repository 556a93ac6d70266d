/**
 * Writes a long session transcript straight into a data dir (the store's own file
 * format: one JSON record per line), for the long-session test and the bench.
 * Messages alternate user/assistant, vary in length, and every 25th reply carries
 * a code block, so row heights differ as they do in real use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates `<dataDir>/sessions/<key>.jsonl` with `count` messages; `key` must be plain (a-z, 0-9, -, _). */
export function writeLongSession(dataDir: string, key: string, count: number): void {
  if (!/^[a-z0-9_-]+$/u.test(key)) throw new Error(`writeLongSession: use a plain key (a-z, 0-9, -, _), got ${JSON.stringify(key)}`);
  const start = Date.now() - count * 60_000;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const role = i % 2 === 0 ? 'user' : 'assistant';
    const runId = `run-${Math.floor(i / 2)}`;
    let text = role === 'user' ? `Question ${i}: ${'how does this part work? '.repeat(1 + (i % 4))}` : `echo: answer ${i}. ${'Here is some detail about it. '.repeat(1 + (i % 7))}`;
    if (role === 'assistant' && i % 25 === 1) text += `\n\n\`\`\`ts\nconst value${i} = compute(${i});\nconsole.log(value${i});\n\`\`\``;
    lines.push(JSON.stringify({ type: 'message', role, text, ts: start + i * 60_000, runId, source: 'rpc', provider: 'echo', model: 'echo' }));
  }
  const dir = join(dataDir, 'sessions');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${key}.jsonl`), lines.join('\n') + '\n');
}
