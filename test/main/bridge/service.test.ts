/**
 * The bridge service answers every channel of the contract from a real companion
 * (with the real compiled gateway), refuses unknown channels and bad arguments with
 * a named field, turns companion failures into coded envelopes, and forwards events.
 * A send goes with `retry: true`: shown with the scripted gateway, which dies under it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_CHANNELS } from '../../../main/bridge/channels.js';
import type { BridgeEventName } from '../../../main/bridge/contract.js';
import { BridgeService, parseBridgeArgs } from '../../../main/bridge/service.js';
import { isSafeExternalUrl } from '../../../main/core/external-url.js';
import { cleanupCompanions, makeCompanion, recordingLogger, waitForRunning, waitForState } from '../../helpers/companion.js';
import { makeScriptedCompanion } from '../../helpers/companion-scripted.js';
import { cleanupRpcChildren } from '../../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

function serviceFor(companion: ReturnType<typeof makeCompanion>['companion']) {
  const opened: string[] = [];
  const logger = recordingLogger();
  const service = new BridgeService(
    companion,
    {
      appInfo: { mode: 'web', version: '0.0.0-test', platform: 'linux' },
      openExternal: async (url) => {
        opened.push(url);
        return true;
      },
    },
    logger,
  );
  return { service, opened, logger };
}

describe('BridgeService', () => {
  it('serves a send, the session list and its history through the running gateway', async () => {
    const { companion } = makeCompanion();
    await companion.start();
    await waitForRunning(companion);
    const { service } = serviceFor(companion);

    const sent = await service.handle('send', { text: 'over the bridge', session: 'ui' });
    expect(sent).toMatchObject({ ok: true, value: { via: 'gateway', payload: { meta: { session: 'ui' } } } });

    const sessions = await service.handle('list-sessions', {});
    expect(sessions.ok && (sessions.value as { sessions: Array<{ key: string }> }).sessions.map((s) => s.key)).toContain('ui');

    const history = await service.handle('get-history', { session: 'ui', limit: 10 });
    expect(history).toMatchObject({ ok: true, value: { session: 'ui', total: 2 } });
  });

  it('lists the models through the running gateway, and says the gateway is down when it is', async () => {
    const { companion } = makeCompanion();
    const { service } = serviceFor(companion);
    expect(await service.handle('list-models', {})).toMatchObject({ ok: false, error: { code: 'gateway_unavailable' } });
    await companion.start();
    await waitForRunning(companion);
    expect(await service.handle('list-models', {})).toMatchObject({ ok: true, value: { default: { provider: 'echo', model: 'echo' }, providers: [{ id: 'echo' }], fallback: [] } });
  });

  it("sends with retry: a gateway crash under the send is answered by one resend with the window's key", async () => {
    const { companion, plan, sends } = makeScriptedCompanion();
    await companion.setFallback(false);
    await companion.start();
    await waitForRunning(companion);
    plan(['die-after-event']);
    const { service } = serviceFor(companion);

    const sent = await service.handle('send', { text: 'exactly once', session: 'ui', idempotencyKey: 'window-key-1' });
    expect(sent).toMatchObject({ ok: true, value: { via: 'gateway', idempotencyKey: 'window-key-1', payload: { payloads: [{ text: 'echo: exactly once' }] } } });
    expect(sends().map(({ text, idempotencyKey }) => ({ text, idempotencyKey }))).toEqual(Array(2).fill({ text: 'exactly once', idempotencyKey: 'window-key-1' }));
    expect(companion.state().gateway.restarts).toBe(1);
  });

  it('lists the tool calls waiting for approval, and none once their gateway died', async () => {
    const { companion, plan } = makeScriptedCompanion();
    await companion.setFallback(false);
    await companion.start();
    await waitForRunning(companion);
    plan(['ask-approval']);
    const { service } = serviceFor(companion);
    expect(await service.handle('list-approvals', {})).toEqual({ ok: true, value: { approvals: [] } });

    const asked = new Promise<void>((resolve) => companion.onDidReceiveEvent((event) => event.event === 'approval.requested' && resolve()));
    void service.handle('send', { text: 'write a note', session: 'ui' });
    await asked;
    expect(await service.handle('list-approvals', {})).toMatchObject({ ok: true, value: { approvals: [{ session: 'ui', callId: 'call-1', tool: 'write_note' }] } });

    process.kill(companion.state().gateway.pid!, 'SIGKILL'); // the waiting call dies with its gateway
    await waitForState(companion, (state) => state.gateway.state !== 'running');
    expect(await service.handle('list-approvals', {})).toEqual({ ok: true, value: { approvals: [] } });
  });

  it('answers state, settings and toggles, and saves the toggles', async () => {
    const { companion } = makeCompanion();
    const { service } = serviceFor(companion);
    expect(await service.handle('get-state', undefined)).toMatchObject({ ok: true, value: { gateway: { state: 'stopped' } } });
    expect(await service.handle('set-heartbeats', { enabled: false })).toEqual({ ok: true, value: { enabled: false, applied: false } });
    expect(await service.handle('set-fallback', { enabled: false })).toEqual({ ok: true, value: { enabled: false } });
    const settings = await service.handle('get-settings', {});
    expect(settings).toEqual({ ok: true, value: { heartbeatsEnabled: false, cliFallbackEnabled: false, gatewayCommand: null, projectRoot: null } });
    expect(await service.handle('app-info', {})).toEqual({ ok: true, value: { mode: 'web', version: '0.0.0-test', platform: 'linux' } });
  });

  it('passes a companion failure on with its code (gateway down, fallback off)', async () => {
    const { companion } = makeCompanion();
    await companion.setFallback(false);
    const { service } = serviceFor(companion);
    const reply = await service.handle('send', { text: 'nobody home' });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.code).toBe('gateway_unavailable');
    expect(!reply.ok && reply.error.message).toContain('Use CLI fallback');
  });

  it('carries the facts of a gateway refusal under details, as the contract says', async () => {
    const { companion } = makeCompanion();
    await companion.start();
    await waitForRunning(companion);
    const { service } = serviceFor(companion);
    const reply = await service.handle('get-history', { session: 'never-used' });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'gateway_error', message: expect.stringContaining('never-used'), details: { wireCode: 'not_found' } },
    });
  });

  it('sends approve to the gateway: a call that waits for nobody is its not_found; a bad decision never leaves', async () => {
    const { companion } = makeCompanion();
    await companion.start();
    await waitForRunning(companion);
    const { service } = serviceFor(companion);
    const reply = await service.handle('approve', { callId: 'c-nobody-waits', decision: 'allow-once' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'gateway_error', message: expect.stringContaining('c-nobody-waits'), details: { wireCode: 'not_found' } } });
    const bad = await service.handle('approve', { callId: 'c-1', decision: 'always' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!bad.ok && bad.error.message).toContain('decision');
  });

  it('refuses an unknown channel and names the known ones', async () => {
    const { companion } = makeCompanion();
    const { service } = serviceFor(companion);
    const reply = await service.handle('rm-rf', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(!reply.ok && reply.error.message).toContain('get-state');
    expect(await service.handle('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('refuses bad arguments, naming the field, before anything runs', async () => {
    const { companion } = makeCompanion();
    const { service } = serviceFor(companion);
    const reply = await service.handle('set-heartbeats', { enabled: 'yes' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!reply.ok && reply.error.message).toContain('"enabled"');
    expect(companion.settings().heartbeatsEnabled).toBe(true);

    const extra = await service.handle('send', { text: 'hi', shell: 'rm -rf /' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!extra.ok && extra.error.message).toContain('shell');

    const badSession = await service.handle('get-history', { session: '../etc' });
    expect(badSession).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('opens only safe links, and only after checking them', async () => {
    const { companion } = makeCompanion();
    const { service, opened } = serviceFor(companion);
    expect(await service.handle('open-external', { url: 'https://example.com/a?b=1' })).toEqual({ ok: true, value: { opened: true } });
    const refused = await service.handle('open-external', { url: 'file:///etc/passwd' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(opened).toEqual(['https://example.com/a?b=1']);
  });

  it('forwards state changes and gateway events until unsubscribed', async () => {
    const { companion } = makeCompanion();
    const { service } = serviceFor(companion);
    const seen: BridgeEventName[] = [];
    const off = service.subscribe((event) => seen.push(event));
    await companion.start();
    await waitForRunning(companion);
    await companion.send({ text: 'events please' });
    expect(seen).toContain('state-changed');
    expect(seen).toContain('gateway-event');
    off();
    const count = seen.length;
    await companion.send({ text: 'no longer heard' });
    expect(seen.length).toBe(count);
  });
});

describe('parseBridgeArgs', () => {
  it('has a schema for every channel that accepts its minimal arguments or names what is missing', () => {
    for (const channel of BRIDGE_CHANNELS) {
      const result = parseBridgeArgs(channel, {});
      if (!result.ok) expect(result.error.message).toMatch(/missing field/);
    }
  });
});

describe('isSafeExternalUrl', () => {
  it.each([
    ['https://example.com/x', true],
    ['http://localhost:3000/', true],
    ['mailto:someone@example.com', true],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['vscode://open?x', false],
    ['https://user:pw@example.com/', false],
    ['not a url', false],
    ['data:text/html,<b>x</b>', false],
  ])('%s → %s', (url, allowed) => {
    expect(isSafeExternalUrl(url).ok).toBe(allowed);
  });
});
