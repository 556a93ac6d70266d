/**
 * Rewrites `docs/protocol.schema.json` from the zod schemas (`npm run schema`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderProtocolJsonSchema } from './json-schema.js';

const target = resolve(process.argv[2] ?? 'docs/protocol.schema.json');
writeFileSync(target, renderProtocolJsonSchema());
process.stdout.write(`wrote ${target}\n`);
