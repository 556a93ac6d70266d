/**
 * The `command` provider: runs a CLI agent once per message (`claude -p`,
 * `ollama run MODEL`, another gateway's `tether agent --json`, a script).
 *
 * The argv template is spawned without a shell, `{prompt}`, `{model}`, `{session}`
 * and `{thinking}` filled in per argument, so nothing in a message can become a
 * shell word. The prompt goes on stdin unless an argument holds `{prompt}`. With
 * `output: "text"` stdout is the reply and streams as deltas; with `"json"` stdout
 * is parsed at the end and the reply read at `jsonPath` (default
 * `payloads[0].text`, the shape `tether agent --json` prints). The command runs as
 * a process tree of its own (`process-tree/`), so abort and timeout kill the agent
 * together with anything it started (SIGTERM, then SIGKILL for whatever is left).
 * A running command is recorded in the data dir (`tree-records.ts`), so that if the
 * gateway dies without killing it, the supervisor or the next gateway does.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ResolvedCommandEntry } from '../core/config.js';
import { redact } from '../core/secrets.js';
import { listContext } from '../core/session-store.js';
import { ProviderFailure, summaryPrompt, type Provider, type ProviderReply, type ProviderRequest } from './provider.js';
import { errorMessage } from '../protocol/errors.js';
import { startProcessTree, type ProcessTree } from '../process-tree/process-tree.js';
import type { TreeRecords } from '../process-tree/tree-records.js';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** How much of stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 2000;
/** Time between SIGTERM and SIGKILL of the process tree. */
const KILL_GRACE_MS = 1000;
/** Longest JSON output kept for parsing (a reply, not a data dump). */
const MAX_JSON_OUTPUT_CHARS = 64 * 1024 * 1024;

/**
 * Process trees of commands still running. A command runs in a tree of its own, so a
 * supervisor killing the gateway's tree would not reach it: when the gateway exits
 * (stdin EOF, SIGTERM, an uncaught error), whatever is left is killed here.
 */
const liveTrees = new Set<ProcessTree>();
let exitHookInstalled = false;

function trackTree(tree: ProcessTree): void {
  liveTrees.add(tree);
  if (exitHookInstalled) return; // once per process
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const live of liveTrees) killQuietly(live, 'SIGKILL');
  });
}

/** Creates a `command` provider for the config entry `id`; `records` keeps its running commands on disk. */
export function createCommandProvider(id: string, entry: ResolvedCommandEntry, secrets: readonly string[], records?: TreeRecords): Provider {
  const program = entry.argv[0]!;
  const takesTools = entry.argv.some((arg) => arg.includes('{tools}'));
  return {
    id,
    label: `${id} (command: ${program})`,
    defaultModel: entry.model ?? 'default',
    toolUse: takesTools ? 'argv' : undefined,
    run: (request) => runCommand(id, entry, secrets, request, records),
    async summarize(messages, previousSummary, signal) {
      const reply = await runCommand(id, entry, secrets, {
        session: '',
        prompt: summaryPrompt(messages, previousSummary),
        loadContext: () => listContext(undefined, []),
        model: entry.model ?? 'default',
        thinking: undefined,
        source: 'rpc',
        signal,
        onDelta: () => {},
      }, records);
      return reply.text.trim();
    },
  };
}

/** Reads `payloads[0].text`-style paths (dots and `[n]`) out of parsed JSON. */
export function readJsonPath(value: unknown, path: string): unknown {
  const steps = path.replace(/\[(\d+)\]/gu, '.$1').split('.').filter((step) => step !== '');
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** The argv with placeholders filled in. */
export function fillArgv(
  argv: readonly string[],
  request: Pick<ProviderRequest, 'prompt' | 'model' | 'session' | 'thinking' | 'toolNames'>,
  toolsFormat: ResolvedCommandEntry['toolsFormat'] = undefined,
): string[] {
  const values: Record<string, string> = {
    prompt: request.prompt,
    model: request.model,
    session: request.session,
    thinking: request.thinking ?? 'off',
    tools: formatTools(request.toolNames ?? [], toolsFormat),
  };
  return argv.map((arg) => arg.replace(/\{(prompt|model|session|thinking|tools)\}/gu, (_, name: string) => values[name]!));
}

/** The value of `{tools}`: the chosen names in the entry's style, joined. */
export function formatTools(names: readonly string[], format: ResolvedCommandEntry['toolsFormat']): string {
  const style = format?.style ?? 'server/tool';
  const spelled = names.map((name) => {
    if (style === 'server/tool') return name;
    const [server, tool] = name.split('/') as [string, string];
    return tool === '*' ? `mcp__${server}` : `mcp__${server}__${tool}`;
  });
  return spelled.join(format?.join ?? ',');
}

function runCommand(id: string, entry: ResolvedCommandEntry, secrets: readonly string[], request: ProviderRequest, records: TreeRecords | undefined): Promise<ProviderReply> {
  const clean = (text: string) => redact(text, secrets);
  const promptInArgs = entry.argv.some((arg) => arg.includes('{prompt}'));
  const input = entry.input ?? (promptInArgs ? 'argument' : 'stdin');
  const output = entry.output ?? 'text';
  const timeoutMs = entry.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const [program, ...args] = fillArgv(entry.argv, request, entry.toolsFormat);
  const name = `provider "${id}" (${entry.argv[0]})`;

  return new Promise<ProviderReply>((resolve, reject) => {
    if (request.signal.aborted) return resolve({ text: '' }); // aborted before it started
    // A tree of its own: abort kills everything it started.
    const tree = startProcessTree({ file: program!, args, cwd: entry.cwd, env: { ...process.env, ...entry.env } });
    const { child } = tree;
    if (tree.pid !== undefined) trackTree(tree);
    records?.add(tree, name, 0); // reaped at once if orphaned: nobody is left to read it
    const stdoutDecoder = new StringDecoder('utf8');
    let text = '';
    let heldNewlines = '';
    let stderrTail = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const killTree = () => {
      killQuietly(tree, 'SIGTERM');
      killTimer ??= setTimeout(() => killQuietly(tree, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = () => killTree();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const timeout = setTimeout(() => {
      timedOut = true;
      killTree();
    }, timeoutMs);
    const finish = (outcome: () => void) => {
      if (settled) return; // 'error' and 'close' may both come
      settled = true;
      clearTimeout(timeout);
      request.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const stderrNote = () => (stderrTail.trim() ? `; stderr: ${stderrTail.trim().slice(-STDERR_TAIL_CHARS)}` : '');

    const onText = (piece: string) => {
      if (piece === '') return;
      if (output === 'json') {
        if (text.length < MAX_JSON_OUTPUT_CHARS) text += piece;
        return;
      }
      // Trailing line ends are held back: the final newline of a CLI's output is not part of the reply.
      const pending = heldNewlines + piece;
      const body = pending.replace(/[\r\n]+$/u, '');
      heldNewlines = pending.slice(body.length);
      if (body === '') return;
      text += body;
      if (!request.signal.aborted) request.onDelta(body);
    };
    child.stdout.on('data', (chunk: Buffer) => onText(stdoutDecoder.write(chunk)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (piece: string) => {
      stderrTail = (stderrTail + piece).slice(-STDERR_TAIL_CHARS);
    });
    child.stdin.on('error', () => {}); // EPIPE when the command does not read stdin: its exit says what happened
    child.stdin.end(input === 'stdin' ? request.prompt : undefined);

    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(() => {
        const hint = error.code === 'ENOENT' ? `; is "${entry.argv[0]}" installed and on PATH?` : '';
        reject(new ProviderFailure(clean(`${name} could not start: ${error.message}${hint}`), true));
      });
    });
    child.on('close', (code, signal) => {
      // Whatever the command left running in its tree goes with it.
      killQuietly(tree, 'SIGKILL');
      liveTrees.delete(tree);
      records?.remove(tree);
      if (killTimer) clearTimeout(killTimer);
      finish(() => {
        onText(stdoutDecoder.end());
        if (request.signal.aborted) return resolve({ text: output === 'text' ? text : '' });
        const emitted = output === 'text' && text !== '';
        if (timedOut) return reject(new ProviderFailure(clean(`${name} timed out after ${timeoutMs} ms; raise "timeoutMs" if it is slow${stderrNote()}`), !emitted));
        if (code !== 0) {
          const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
          return reject(new ProviderFailure(clean(`${name} ${how}${stderrNote()}`), !emitted));
        }
        if (output === 'text') return resolve({ text });
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          return reject(new ProviderFailure(clean(`${name} printed output that is not JSON (${errorMessage(error)}): ${text.slice(0, 200)}; set "output": "text" or fix the command`)));
        }
        const path = entry.jsonPath ?? 'payloads[0].text';
        const reply = readJsonPath(parsed, path);
        if (typeof reply !== 'string') {
          return reject(new ProviderFailure(clean(`${name} printed JSON without a string at "${path}": ${text.slice(0, 200)}; set "jsonPath" to where the reply is`)));
        }
        if (reply !== '') request.onDelta(reply);
        resolve({ text: reply });
      });
    });
  });
}

/** Signals a command's whole tree; one we may not signal (EPERM) is left to its own end. */
function killQuietly(tree: ProcessTree, signal: NodeJS.Signals): void {
  try {
    tree.signal(signal);
  } catch {
    // EPERM: a member changed user; nothing more we can do from here
  }
}
