/**
 * Tools through the real `tether rpc` child: a real MCP server (the fixture, over
 * stdio as a process tree of the gateway, and over streamable HTTP) and the fake
 * OpenAI server streaming tool calls (split across chunks, parallel, malformed, a
 * tool never offered). A round trip with the calls in the transcript and in later
 * context, the turn limit, abort in the middle of a call, deny, allow for the
 * session, the approval timeout, a crash and restart, and no process left behind.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, createTempHome, startRpcChild, type RpcChild } from '../helpers/rpc-child.js';
import { expectError, expectEvent, expectResult, isEvent } from '../helpers/wire-expect.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { processesWithEnv, settleCount } from '../helpers/processes.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/mcp-tool-server.mjs', import.meta.url));
const SECRET = 'mcp-secret-7f3a9c2e1d';

let model: FakeOpenAiServer;
let http: { url: string; close(): Promise<void> };
beforeAll(async () => {
  model = await startFakeOpenAiServer();
  http = await ((await import(FIXTURE)) as { serveHttp(): Promise<typeof http> }).serveHttp();
});
afterAll(async () => {
  await model.close();
  await http.close();
});
afterEach(async () => {
  model.reset();
  await cleanupRpcChildren();
});

interface Setup {
  child: RpcChild;
  home: string;
  notes: string;
  calls: string;
  runMarker: string;
}

function start(tools: Record<string, unknown> = {}): Setup {
  const home = createTempHome();
  const notes = join(home, 'notes.txt');
  const calls = join(home, 'calls.txt');
  const runMarker = randomUUID();
  const config = {
    provider: 'local',
    providers: { local: { type: 'openai', baseUrl: model.baseUrl, model: 'tool-model' } },
    mcpServers: {
      fixture: { command: process.execPath, args: [FIXTURE], env: { NOTES_FILE: notes, FIXTURE_CALLS_FILE: calls, TETHER_TEST_MCP_RUN: runMarker, FIXTURE_TOKEN: '${TETHER_TEST_MCP_TOKEN}' } },
      web: { url: http.url },
    },
    tools: { maxSteps: 2, ...tools },
  };
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  const child = startRpcChild({ home, env: { TETHER_TEST_MCP_TOKEN: SECRET } });
  return { child, home, notes, calls, runMarker };
}

const call = (name: string, args: unknown, id?: string) => ({ ...(id ? { id } : {}), name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

describe('tools through the child', () => {
  it('lists the catalog, and shows each server in status', async () => {
    const { child } = start();
    const tools = expectResult('tools', await child.request({ type: 'tools', id: 't' }));
    expect(tools.servers.map((server) => [server.name, server.transport, server.state, server.tools])).toEqual([
      ['fixture', 'stdio', 'ready', 7],
      ['web', 'http', 'ready', 7],
    ]);
    const fixture = tools.servers[0]!;
    expect(fixture.catalog.find((tool) => tool.name === 'fixture/echo')).toMatchObject({ server: 'fixture', tool: 'echo', policy: 'allow', annotations: { readOnlyHint: true } });
    expect(fixture.catalog.find((tool) => tool.name === 'fixture/write_note')?.policy).toBe('ask');
    const status = expectResult('status', await child.request({ type: 'status', id: 's', verbose: true }));
    expect(status.toolServers?.[0]).toMatchObject({ name: 'fixture', state: 'ready', tools: 7, restarts: 0 });
    expect(status.toolServers?.[0]?.pid).toBeGreaterThan(0);
    expect(status.toolServers?.[0]?.stderrTail).toContain('fixture MCP server');
  });

  it('refuses unknown servers and tools, naming what exists', async () => {
    const { child } = start();
    const server = expectError(await child.request({ type: 'send', id: 1, text: 'x', tools: ['fixtrue/*'] }), 'invalid_request');
    expect(server.error).toContain('no MCP server "fixtrue" (in "fixtrue/*"); the servers are: fixture, web');
    const tool = expectError(await child.request({ type: 'send', id: 2, text: 'x', tools: ['fixture/ech'] }), 'invalid_request');
    expect(tool.error).toContain('MCP server "fixture" has no tool matching "fixture/ech"; its tools are: fixture/echo, fixture/add, fixture/write_note');
    const echo = expectError(await child.request({ type: 'send', id: 3, text: 'x', model: 'echo', tools: ['fixture/*'] }), 'invalid_request');
    expect(echo.error).toContain('the built-in echo provider runs no model');
    const history = await child.request({ type: 'history', id: 4, session: 'main' });
    expect(history.code).toBe('not_found'); // refused sends leave nothing behind
  });

  it('runs a round trip of parallel calls split across chunks, records them, and gives them to later turns', async () => {
    const { child } = start();
    model.next(
      { kind: 'toolCalls', text: 'Let me add.', calls: [call('fixture__add', { a: 2, b: 3 }, 'call_a'), call('web__echo', { text: `over http ${SECRET}` }, 'call_b')], argumentChunk: 3 },
      { kind: 'stream', pieces: ['The sum', ' is 5.'] },
    );
    const sent = expectResult('send', await child.request({ type: 'send', id: 1, text: 'add 2 and 3', tools: ['fixture/add', 'web/*'] }));
    expect(sent.payloads[0]!.text).toBe('Let me add.\n\nThe sum is 5.');
    expect(sent.meta).toMatchObject({ toolCalls: 2 });
    expect(sent.meta.tools).toContain('fixture/add');
    expect(sent.meta.tools).toContain('web/echo');

    const toolCalls = child.events(isEvent('tool.call', 1)).map((event) => expectEvent('tool.call', event));
    expect(toolCalls.map((c) => [c.server, c.tool, c.step])).toEqual([['fixture', 'add', 1], ['web', 'echo', 1]]);
    expect(toolCalls[1]!.arguments).toBe(JSON.stringify({ text: 'over http [redacted]' }));
    const results = child.events(isEvent('tool.result', 1)).map((event) => expectEvent('tool.result', event));
    expect(results.map((r) => [r.tool, r.ok, r.content])).toEqual(expect.arrayContaining([['add', true, '5'], ['echo', true, 'over http [redacted]']]));

    // The second model request carries the calls and their results, under the model's ids.
    const second = model.requests[1]!.body;
    expect(second.tools?.map((tool) => tool.function.name).sort()).toEqual(['fixture__add', 'web__add', 'web__big', 'web__crash', 'web__echo', 'web__env', 'web__sleep', 'web__write_note']);
    const assistant = second.messages!.find((m) => m.role === 'assistant' && m.tool_calls);
    expect(assistant?.tool_calls?.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['call_a', 'fixture__add', { a: 2, b: 3 }],
      ['call_b', 'web__echo', { text: `over http ${SECRET}` }],
    ]);
    expect(second.messages!.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content])).toEqual([['call_a', '5'], ['call_b', 'over http [redacted]']]);

    // In history, on the reply; and in the context of the next turn, which inherits the choice.
    const history = expectResult('history', await child.request({ type: 'history', id: 2, session: 'main' }));
    const reply = history.messages.find((m) => m.role === 'assistant')!;
    expect(reply.toolCalls?.map((c) => [c.server, c.tool, c.ok, c.content])).toEqual([['fixture', 'add', true, '5'], ['web', 'echo', true, 'over http [redacted]']]);
    model.next({ kind: 'stream', pieces: ['Sure.'] });
    const later = expectResult('send', await child.request({ type: 'send', id: 3, text: 'thanks' }));
    expect(later.meta.tools).toContain('fixture/add');
    const third = model.requests[2]!.body;
    expect(third.tools?.length).toBe(8);
    expect(third.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
    const transcript = readFileSync(join(child.home, 'sessions', 'main.jsonl'), 'utf8');
    expect(transcript).not.toContain(SECRET);
  });

  it('answers malformed arguments and a tool never offered with errors the model reads, and goes on', async () => {
    const { child, calls } = start();
    model.next(
      { kind: 'toolCalls', calls: [call('fixture__add', '{"a": 2,'), call('fixture__rm_rf', { path: '/' })] },
      { kind: 'stream', pieces: ['Sorry.'] },
    );
    const sent = expectResult('send', await child.request({ type: 'send', id: 1, text: 'go', tools: ['fixture/add'] }));
    expect(sent.payloads[0]!.text).toBe('Sorry.');
    const results = child.events(isEvent('tool.result', 1)).map((event) => expectEvent('tool.result', event));
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    const toolMessages = model.requests[1]!.body.messages!.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(toolMessages[0]).toContain('the arguments are not valid JSON');
    expect(toolMessages[1]).toContain('there is no tool "fixture__rm_rf"; the tools you may call are: fixture__add');
    expect(existsSync(calls)).toBe(false); // nothing ran
  });

  it('ends at the turn limit with a note in meta', async () => {
    const { child } = start();
    model.next(
      { kind: 'toolCalls', calls: [call('fixture__echo', { text: 'one' })] },
      { kind: 'toolCalls', calls: [call('fixture__echo', { text: 'two' })] },
    );
    const sent = expectResult('send', await child.request({ type: 'send', id: 1, text: 'loop', tools: ['fixture/echo'] }));
    expect(sent.meta.note).toContain('stopped after 2 model requests (the turn limit, tools.maxSteps = 2)');
    expect(sent.meta.toolCalls).toBe(1);
    expect(model.requests.length).toBe(2);
  });

  it('aborts in the middle of a tool call, cancelling it', async () => {
    const { child } = start();
    model.next({ kind: 'toolCalls', calls: [call('fixture__sleep', { ms: 60_000 })] });
    const answer = child.request({ type: 'send', id: 1, text: 'wait', tools: ['fixture/sleep'] });
    await child.nextEvent(isEvent('tool.call', 1), undefined, 0);
    await expect.poll(() => existsSync(join(child.home, 'calls.txt')), { timeout: 10_000 }).toBe(true); // the server wrote no line we could wait on
    expectResult('abort', await child.request({ type: 'abort', id: 2, session: 'main' }));
    const sent = expectResult('send', await answer);
    expect(sent.meta.aborted).toBe(true);
    const result = expectEvent('tool.result', await child.nextEvent(isEvent('tool.result', 1), undefined, 0));
    expect(result.ok).toBe(false);
    expect(model.requests.length).toBe(1); // the loop stopped
    await expect.poll(async () => expectResult('status', await child.request({ type: 'status', verbose: true })).toolServers?.[0]?.stderrTail, { timeout: 10_000 }).toContain('sleep: cancelled');
  });

  it('tells the model a denied call was denied by the user, and the run goes on', async () => {
    const { child, notes } = start();
    model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'secret plans' })] }, { kind: 'stream', pieces: ['Understood.'] });
    const answer = child.request({ type: 'send', id: 1, text: 'note it', tools: ['fixture/write_note'] });
    const asked = expectEvent('approval.requested', await child.nextEvent(isEvent('approval.requested', 1), undefined, 0));
    expect(asked).toMatchObject({ server: 'fixture', tool: 'write_note', arguments: JSON.stringify({ text: 'secret plans' }), session: 'main' });
    expectResult('approve', await child.request({ type: 'approve', id: 2, callId: asked.callId, decision: 'deny' }));
    const sent = expectResult('send', await answer);
    expect(sent.payloads[0]!.text).toBe('Understood.');
    expect(model.requests[1]!.body.messages!.find((m) => m.role === 'tool')?.content).toContain('denied by the user');
    expect(expectEvent('tool.result', child.events(isEvent('tool.result', 1))[0]!)).toMatchObject({ ok: false, denied: true });
    expect(existsSync(notes)).toBe(false);
    expectError(await child.request({ type: 'approve', id: 3, callId: asked.callId, decision: 'allow-once' }), 'not_found');
  });

  it('allows a tool for the rest of the session', async () => {
    const { child, notes } = start();
    model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'first' })] }, { kind: 'stream', pieces: ['ok'] });
    const answer = child.request({ type: 'send', id: 1, text: 'note', tools: ['fixture/write_note'] });
    const asked = expectEvent('approval.requested', await child.nextEvent(isEvent('approval.requested', 1), undefined, 0));
    expectResult('approve', await child.request({ type: 'approve', id: 2, callId: asked.callId, decision: 'allow-session' }));
    expectResult('send', await answer);
    model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'second' })] }, { kind: 'stream', pieces: ['ok'] });
    expectResult('send', await child.request({ type: 'send', id: 3, text: 'again' }));
    expect(child.events(isEvent('approval.requested', 3))).toEqual([]);
    expect(readFileSync(notes, 'utf8')).toBe('first\nsecond\n');
  });

  it('denies a call nobody approved in time', async () => {
    const { child, notes } = start({ approvalTimeoutMs: 300 });
    model.next({ kind: 'toolCalls', calls: [call('fixture__write_note', { text: 'late' })] }, { kind: 'stream', pieces: ['Fine.'] });
    const sent = expectResult('send', await child.request({ type: 'send', id: 1, text: 'note', tools: ['fixture/write_note'] }));
    expect(sent.payloads[0]!.text).toBe('Fine.');
    expect(expectEvent('approval.resolved', child.events(isEvent('approval.resolved', 1))[0]!)).toMatchObject({ decision: 'deny', by: 'timeout' });
    expect(model.requests[1]!.body.messages!.find((m) => m.role === 'tool')?.content).toContain('nobody approved fixture/write_note in time');
    expect(existsSync(notes)).toBe(false);
  });

  it('restarts a crashed server, and leaves no process behind', async () => {
    const { child, calls, runMarker } = start();
    model.next({ kind: 'toolCalls', calls: [call('fixture__crash', {})] }, { kind: 'stream', pieces: ['It crashed.'] });
    expectResult('send', await child.request({ type: 'send', id: 1, text: 'crash it', tools: ['fixture/*'] }));
    const crashed = child.events(isEvent('tool.result', 1)).map((event) => expectEvent('tool.result', event))[0]!;
    expect(crashed.ok).toBe(false);
    await expect.poll(async () => expectResult('status', await child.request({ type: 'status', verbose: true })).toolServers?.[0], { timeout: 10_000 }).toMatchObject({ state: 'ready', restarts: 1 });
    model.next({ kind: 'toolCalls', calls: [call('fixture__echo', { text: 'back' })] }, { kind: 'stream', pieces: ['Back.'] });
    expectResult('send', await child.request({ type: 'send', id: 2, text: 'again' }));
    const pids = readFileSync(calls, 'utf8').trim().split('\n').map((line) => line.split(' ')[1]);
    expect(pids.length).toBe(2);
    expect(pids[0]).not.toBe(pids[1]); // served by the restarted process
    expect(processesWithEnv('TETHER_TEST_MCP_RUN', runMarker).length).toBe(1);
    child.endInput();
    await child.waitForExit();
    expect(await settleCount(() => processesWithEnv('TETHER_TEST_MCP_RUN', runMarker).length, 0, 5000)).toBe(0);
  });

  it('passes the chosen tools to a command provider with {tools}, and refuses them to one without', async () => {
    const home = createTempHome();
    const print = [process.execPath, '-e', 'process.stdout.write(process.argv[1])', '{tools}'];
    writeFileSync(join(home, 'config.json'), JSON.stringify({
      provider: 'cli',
      providers: {
        cli: { type: 'command', argv: print },
        claude: { type: 'command', argv: print, toolsFormat: { style: 'claude', join: ' ' } },
        plain: { type: 'command', argv: ['cat'] },
      },
      mcpServers: { fixture: { command: process.execPath, args: [FIXTURE] } },
    }));
    const child = startRpcChild({ home });
    const sent = expectResult('send', await child.request({ type: 'send', id: 1, text: 'x', tools: ['fixture/*', 'fixture/echo'] }));
    expect(sent.payloads[0]!.text).toBe('fixture/*,fixture/echo');
    expect(sent.meta.tools).toEqual(['fixture/*', 'fixture/echo']);
    const claude = expectResult('send', await child.request({ type: 'send', id: 2, text: 'x', model: 'claude', tools: ['fixture/*', 'fixture/echo'] }));
    expect(claude.payloads[0]!.text).toBe('mcp__fixture mcp__fixture__echo');
    const plain = expectError(await child.request({ type: 'send', id: 3, text: 'x', model: 'plain', tools: ['fixture/echo'] }), 'invalid_request');
    expect(plain.error).toContain('provider "plain" is a command without a {tools} argument in its "argv"');
    // An inherited choice is not refused: the session's last choice simply does not reach it.
    expect(expectResult('send', await child.request({ type: 'send', id: 4, text: 'hello', model: 'plain' })).payloads[0]!.text).toBe('hello');
    // Naming tools never started a server: a command agent has its own.
    const status = expectResult('status', await child.request({ type: 'status', id: 5, verbose: true }));
    expect(status.toolServers?.[0]?.state).toBe('idle');
  });

  it('leaves nothing behind when the gateway is SIGKILLed: the next one reaps the server', async () => {
    const first = start();
    expectResult('tools', await first.child.request({ type: 'tools', id: 1 }));
    expect(processesWithEnv('TETHER_TEST_MCP_RUN', first.runMarker).length).toBe(1);
    first.child.kill('SIGKILL');
    await first.child.waitForExit();
    const next = startRpcChild({ home: first.home, env: { TETHER_TEST_MCP_TOKEN: SECRET } });
    expectResult('status', await next.request({ type: 'status', id: 1 }));
    expect(await settleCount(() => processesWithEnv('TETHER_TEST_MCP_RUN', first.runMarker).length, 0, 5000)).toBe(0);
  });
});
