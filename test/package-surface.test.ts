/**
 * The package's public surface: the `tether` bin and the `tether/protocol` and
 * `tether/companion` exports resolve to compiled JavaScript that runs in plain Node
 * (no tsx, no sources, no Electron).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, { default: string; types: string }>;
};

describe('package surface', () => {
  it('exposes a compiled `tether` bin with a node shebang', () => {
    expect(manifest.name).toBe('tether');
    const bin = manifest.bin.tether!;
    expect(bin).toMatch(/^dist\/.*\.cjs$/); // CommonJS: it starts without the ES module loader (rpc-host/compile-cache.ts)
    expect(readFileSync(new URL(`../${bin}`, import.meta.url), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('lets other programs import the contract as tether/protocol', () => {
    const script = `
      const p = await import('tether/protocol');
      const ok = p.RequestSchema.safeParse({ type: 'send', text: 'hi', session: 'main' }).success;
      const bad = p.parseRequestLine(Buffer.from('{"type":"frobnicate"}'));
      console.log(JSON.stringify({ ok, version: p.PROTOCOL_VERSION, error: bad.ok ? null : bad.error.message }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ ok: true, version: 1, error: 'unsupported command: frobnicate' });
  });

  it('ships type declarations next to the protocol export', () => {
    const types = new URL(`../${manifest.exports['./protocol']!.types}`, import.meta.url);
    expect(readFileSync(types, 'utf8')).toContain("export * from './schemas.js'");
    expect(readFileSync(new URL('schemas.d.ts', types), 'utf8')).toContain("export * from './requests.js'");
    expect(readFileSync(new URL('requests.d.ts', types), 'utf8')).toMatch(/export declare const RequestSchema\b/);
    expect(readFileSync(new URL('results.d.ts', types), 'utf8')).toMatch(/export declare const EventSchema\b/);
  });

  it('lets tools drive the gateway through tether/companion, without Electron', () => {
    const script = `
      import { mkdtempSync, rmSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { createCompanion } = await import('tether/companion');
      const dir = mkdtempSync(join(tmpdir(), 'tether-surface-'));
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const companion = createCompanion({ dataDir: join(dir, 'data'), settingsDir: join(dir, 'settings'), projectRoot: dir, logger: quiet, env: { PATH: process.env.PATH } });
      await companion.start();
      const state = companion.state().gateway;
      const sent = await companion.send({ text: 'from a tool' });
      await companion.shutdown();
      rmSync(dir, { recursive: true, force: true });
      console.log(JSON.stringify({ state: state.state, source: state.command.source, via: sent.via, text: sent.payload.payloads[0].text, electron: 'electron' in process.versions }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ state: 'running', source: 'bundled-node', via: 'gateway', text: 'echo: from a tool', electron: false });
  });

  it('ships type declarations next to the companion export', () => {
    const types = new URL(`../${manifest.exports['./companion']!.types}`, import.meta.url);
    expect(readFileSync(types, 'utf8')).toContain('createCompanion');
  });
});
