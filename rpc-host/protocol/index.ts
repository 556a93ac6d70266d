/**
 * The wire contract of `tether rpc`, importable as `tether/protocol`: schemas and
 * derived types, the JSONL framing, request parsing and the error class.
 */
export * from './schemas.js';
export { DEFAULT_MAX_LINE_BYTES, JsonlReader, serializeLine, type FrameEvent } from './jsonl.js';
export { parseRequestLine, validateRequest, type ParsedLine } from './parse-request.js';
export { ProtocolError, isProtocolError, describeIssues } from './errors.js';
export { buildProtocolJsonSchema, renderProtocolJsonSchema } from './json-schema.js';
