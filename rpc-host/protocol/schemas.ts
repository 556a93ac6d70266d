/**
 * Wire protocol of `tether rpc`, version 1: every request, response and event.
 *
 * These zod schemas are the single source of truth. Types are derived from them,
 * every inbound line is parsed through them, and `docs/protocol.schema.json` is
 * generated from them (see `json-schema.ts`). The seed contract
 * (`{"type":"status"}`, `send`, `set-heartbeats`, `{"type":"error","error":…}`)
 * is a subset: no `id`, no handshake.
 *
 * They live in two modules so the command line builds only what it uses:
 * requests.ts (requests, the pieces they share, the send metadata stored with
 * replies) and results.ts (results, errors, events). This module is both, for
 * the app, the tests and other programs (`tether/protocol`); the gateway's own
 * modules import the part they need.
 */
export * from './requests.js';
export * from './results.js';
