#!/usr/bin/env node
/**
 * Extracts the wire examples of docs/protocol.md into shared test vectors.
 *
 * Every example line in the protocol reference was captured from the real child, so
 * the lines are the best evidence of what a client must parse. The TypeScript tests
 * and the Python client's tests both read the vectors file this script writes
 * (test/fixtures/protocol-vectors.jsonl) instead of keeping their own copies, and
 * the TypeScript test fails when the file no longer matches the document.
 *
 * Each vector is one JSON object per line: `doc` (the 1-based line in protocol.md),
 * `kind` (`request`, `result`, `error` or `event`), and `line` (the example line, byte
 * for byte). A result or error has `request`: the `type` of the request it answers
 * when that request is in the same example block, else null. A request has `answer`:
 * `result`, `error:<code>`, or null when the block does not show its response. Transcript and outbox records (the
 * Storage and Delivery examples that are not wire lines) are left out.
 *
 * Usage: `node scripts/protocol-vectors.mjs` rewrites the file;
 * `node scripts/protocol-vectors.mjs --check` exits 1 when it is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PROTOCOL_DOC = join(root, 'docs/protocol.md');
export const VECTORS_FILE = join(root, 'test/fixtures/protocol-vectors.jsonl');

/** Output lines: everything else in an example block is a request. */
const OUTPUT_TYPES = new Set(['result', 'error', 'event']);
/** Sections whose examples are files on disk, not protocol lines. */
const RECORD_SECTIONS = new Set(['## Storage']);

/** Returns the vectors of a protocol document's text, in document order. */
export function extractVectors(markdown) {
  const vectors = [];
  let section = '';
  let block; // the open ```json block: its requests, for pairing results with them
  markdown.split('\n').forEach((text, index) => {
    if (text.startsWith('## ')) section = text;
    const fence = text.trim();
    if (block === undefined) {
      if (fence === '```json') block = { requests: [] };
      return; // prose, or another language's block
    }
    if (fence === '```') {
      block = undefined;
      return; // end of the example
    }
    if (RECORD_SECTIONS.has(section)) return; // transcript records, not wire lines
    const line = fence;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return; // not a JSON line (none today, but prose may slip into a block)
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    if (message.type === undefined && message.id === undefined) return; // an outbox entry
    const kind = OUTPUT_TYPES.has(message.type) ? message.type : 'request';
    if (kind === 'request') {
      const vector = { doc: index + 1, kind, answer: null, line };
      block.requests.push({ id: echoableId(message.id), type: typeof message.type === 'string' ? message.type : null, vector });
      vectors.push(vector);
      return;
    }
    const request = kind === 'event' ? null : pairWithRequest(block.requests, message);
    vectors.push({ doc: index + 1, kind, request, line });
  });
  return vectors;
}

/**
 * The type of the request a response answers, from the same example block.
 *
 * With an id, the request with the same id; without one, the first id-less request
 * not yet answered, since id-less responses leave in request order.
 */
function pairWithRequest(requests, response) {
  const hasId = response.id !== undefined;
  const match = requests.find((request) => request.vector.answer === null && (hasId ? request.id === response.id : request.id === undefined));
  if (match === undefined) return null; // the example shows the response alone
  match.vector.answer = response.type === 'error' ? `error:${response.code}` : 'result';
  return match.type;
}

/** The id the child echoes: a string of at most 256 characters or a finite number; any other id is never echoed. */
function echoableId(id) {
  if (typeof id === 'string' && id.length <= 256) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return undefined;
}

/** The vectors file's text for a protocol document's text. */
export function renderVectors(markdown) {
  return extractVectors(markdown).map((vector) => JSON.stringify(vector)).join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const expected = renderVectors(readFileSync(PROTOCOL_DOC, 'utf8'));
  if (process.argv.includes('--check')) {
    let actual = '';
    try {
      actual = readFileSync(VECTORS_FILE, 'utf8');
    } catch {
      // missing: reported below as out of date
    }
    if (actual !== expected) {
      console.error(`${VECTORS_FILE} is out of date with docs/protocol.md; run node scripts/protocol-vectors.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(VECTORS_FILE, expected);
    console.log(`wrote ${expected.split('\n').length - 1} vectors to ${VECTORS_FILE}`);
  }
}
