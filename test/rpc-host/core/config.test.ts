/**
 * The config file's providers, fallback and delivery sections: a valid file
 * resolves (keys read from the environment), and every mistake is refused at load
 * with a message naming the key path and the fix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../rpc-host/core/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(file: unknown, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-config-'));
  dirs.push(dir);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, typeof file === 'string' ? file : JSON.stringify(file));
  return loadConfig({ dataDir: dir, configPath }, env);
}

function loadError(file: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    load(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config: providers, fallback, delivery', () => {
  it('keeps the built-in default without a file: echo, no fallback, the outbox', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-config-'));
    dirs.push(dir);
    const config = loadConfig({ dataDir: dir }, {});
    expect(config.provider).toBe('echo');
    expect(config.providers).toEqual({});
    expect(config.fallback).toEqual([]);
    expect(config.delivery).toMatchObject({ channel: 'outbox', to: undefined, webhook: undefined });
    expect(config.secrets).toEqual([]);
  });

  it('resolves openai and command entries, the API key from its variable, and ${VAR} headers', () => {
    const config = load(
      {
        provider: 'local/llama3.2',
        fallback: ['hosted', 'echo'],
        providers: {
          local: { type: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' },
          hosted: { type: 'openai', baseUrl: 'https://api.example.com/v1', model: 'gpt-x', apiKeyEnv: 'EXAMPLE_KEY', headers: { 'X-Org': '${ORG}' } },
          claude: { type: 'command', argv: ['claude', '-p'], output: 'text' },
        },
        delivery: { channel: 'webhook', to: 'ops', webhook: { url: 'http://127.0.0.1:9/hook', headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } } },
      },
      { EXAMPLE_KEY: 'key-123456', ORG: 'org-9', HOOK_TOKEN: 'hook-abcdef' },
    );
    expect(config.provider).toBe('local/llama3.2');
    expect(config.fallback).toEqual(['hosted', 'echo']);
    expect(config.providers.hosted).toMatchObject({ type: 'openai', apiKey: 'key-123456', headers: { 'X-Org': 'org-9' } });
    expect(config.providers.claude).toMatchObject({ type: 'command', argv: ['claude', '-p'], env: {} });
    expect(config.delivery.webhook).toEqual({ url: 'http://127.0.0.1:9/hook', headers: { Authorization: 'Bearer hook-abcdef' }, retries: 3, backoffMs: 250, timeoutMs: 10_000 });
    expect(config.delivery.to).toBe('ops');
    expect(config.secrets).toEqual(expect.arrayContaining(['key-123456', 'org-9', 'hook-abcdef']));
  });

  it.each([
    [{ providers: { local: { type: 'ollama', baseUrl: 'http://x/v1', model: 'm' } } }, /field "providers\.local\.type"|field "providers\.local"/],
    [{ providers: { local: { type: 'openai', baseUrl: 'localhost:11434', model: 'm' } } }, /field "providers\.local\.baseUrl": must be an http:\/\/ or https:\/\/ URL/],
    [{ providers: { local: { type: 'openai', baseUrl: 'http://x/v1' } } }, /missing field "providers\.local\.model"/],
    [{ providers: { local: { type: 'openai', baseUrl: 'http://x/v1', model: 'm', timeout: 5 } } }, /providers\.local.*timeout/],
    [{ providers: { bad: { type: 'command', argv: [] } } }, /field "providers\.bad\.argv": must name at least the program/],
    [{ providers: { 'has space': { type: 'command', argv: ['x'] } } }, /"providers\.has space": "has space" is not a plain name; use letters/],
    [{ providers: { echo: { type: 'command', argv: ['x'] } } }, /"providers\.echo": the name echo is taken/],
    [{ providers: { a: { type: 'command', argv: ['x'], input: 'argument' } } }, /"providers\.a\.argv": "input" is "argument" but no argument holds \{prompt\}/],
    [{ provider: 'nowhere' }, /"provider": unknown provider "nowhere".*use one of: echo.*add it under "providers"/],
    [{ fallback: ['echo', 'gone/model'] }, /"fallback\.1": unknown provider "gone" \(in "gone\/model"\)/],
    [{ delivery: { channel: 'webhook' } }, /"delivery\.channel" is "webhook" but "delivery\.webhook" is missing/],
    [{ delivery: { webhook: { url: 'ftp://x' } } }, /field "delivery\.webhook\.url"/],
  ])('refuses %j naming the key', (file, pattern) => {
    const message = loadError(file);
    expect(message).toMatch(pattern);
    expect(message).toMatch(/config file .*config\.json/);
  });

  it('refuses an API key variable that is not set, naming it and the fix', () => {
    const message = loadError({ providers: { hosted: { type: 'openai', baseUrl: 'https://api.example.com/v1', model: 'm', apiKeyEnv: 'MISSING_KEY' } } });
    expect(message).toMatch(/"providers\.hosted\.apiKeyEnv": the environment variable MISSING_KEY is not set; export it/);
  });

  it('reads a secret webhook URL from the environment and treats it as a secret', () => {
    const config = load({ delivery: { channel: 'webhook', webhook: { url: '${SLACK_HOOK}' } } }, { SLACK_HOOK: 'https://hooks.example.com/T000/B000/XXXX' });
    expect(config.delivery.webhook?.url).toBe('https://hooks.example.com/T000/B000/XXXX');
    expect(config.secrets).toContain('https://hooks.example.com/T000/B000/XXXX');
    expect(loadError({ delivery: { webhook: { url: '${SLACK_HOOK}' } } }, { SLACK_HOOK: 'not a url' })).toMatch(/"delivery\.webhook\.url" must be an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses a header that names an unset variable', () => {
    const message = loadError({ delivery: { webhook: { url: 'http://127.0.0.1/h', headers: { Authorization: 'Bearer ${NO_TOKEN}' } } } });
    expect(message).toMatch(/"delivery\.webhook\.headers\.Authorization" uses \$\{NO_TOKEN\}, but the environment variable NO_TOKEN is not set/);
  });
});

describe('config: errors a newcomer meets', () => {
  it('suggests the key an unknown one was meant to be, at the top level and inside a section', () => {
    const message = loadError({ provdier: 'echo', heartbeats: { intervalMS: 60_000 } });
    expect(message).toContain('unrecognized key: "provdier" (did you mean "provider"?)');
    expect(message).toContain('field "heartbeats": unrecognized key: "intervalMS" (did you mean "intervalMs"?)');
  });

  it('suggests keys inside a provider entry, and nothing for a key that is nowhere close', () => {
    const message = loadError({ providers: { local: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', apikeyenv: 'X', colour: 'red' } } });
    expect(message).toContain('"apiKeyEnv" for "apikeyenv"');
    expect(message).not.toMatch(/for "colour"/u);
  });

  it('gives a JSON syntax error as line and column, not a character position', () => {
    const message = loadError('{\n  "provider": "echo",\n  "heartbeats": {"enabled": true,}\n}\n');
    expect(message).toMatch(/is not valid JSON \(.* at line 3, column 34\)/u);
    expect(message).not.toContain('position');
  });

  it('says a config file named by --config or TETHER_CONFIG does not exist, naming where the path came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-config-'));
    dirs.push(dir);
    const missing = join(dir, 'nope.json');
    expect(() => loadConfig({ dataDir: dir, configPath: missing }, {})).toThrow(`config file ${missing} (from --config) does not exist; check the path, or leave out --config`);
    expect(() => loadConfig({ dataDir: dir }, { TETHER_CONFIG: missing })).toThrow(`config file ${missing} (from TETHER_CONFIG) does not exist`);
  });
});
