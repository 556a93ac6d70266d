import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProtocolJsonSchema, renderProtocolJsonSchema } from '../../../rpc-host/protocol/json-schema.js';

const checkedIn = new URL('../../../docs/protocol.schema.json', import.meta.url);

describe('protocol JSON Schema', () => {
  it('matches the checked-in docs/protocol.schema.json (run `npm run schema` after changing the schemas)', () => {
    expect(readFileSync(checkedIn, 'utf8')).toBe(renderProtocolJsonSchema());
  });

  it('describes every request type and every event', () => {
    const schema = buildProtocolJsonSchema() as { request: { oneOf?: Array<{ properties: { type: { const: string } } }> }; event: { oneOf?: Array<{ properties: { event: { const: string } } }> } };
    const types = schema.request.oneOf?.map((variant) => variant.properties.type.const);
    expect(types).toEqual(['status', 'send', 'set-heartbeats', 'abort', 'compact', 'sessions', 'history', 'hello', 'wait', 'models', 'update-session', 'delete-session', 'restore-session', 'search', 'tools', 'approve']);
    const events = schema.event.oneOf?.map((variant) => variant.properties.event.const);
    expect(events).toEqual(['reply.delta', 'reply', 'heartbeat', 'session.updated', 'delivery', 'session.deleted', 'tool.call', 'tool.result', 'approval.requested', 'approval.resolved']);
  });
});
