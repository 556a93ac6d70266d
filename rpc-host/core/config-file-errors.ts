/**
 * What a config file error says beyond "wrong": where a JSON syntax error is (line
 * and column, as an editor shows them, not a character offset), and which key an
 * unknown one was probably meant to be ("did you mean").
 */
import type { z } from 'zod';
import { errorMessage } from '../protocol/errors.js';
import { closestName } from './did-you-mean.js';

/** JSON.parse's complaint with its `at position N` turned into `at line L, column C` of `text`. */
export function jsonSyntaxMessage(text: string, error: unknown): string {
  const message = errorMessage(error);
  const match = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/u.exec(message);
  if (!match) return message; // no position to translate
  const { line, column } = lineAndColumn(text, Number(match[1]));
  return `${message.slice(0, match.index)} at line ${line}, column ${column}${message.slice(match.index + match[0].length)}`;
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * The issues with a "did you mean" added to each unknown key that is a near miss
 * of a key allowed at the same place (`provdier` → `provider`).
 */
export function withKeySuggestions(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): z.core.$ZodIssue[] {
  return issues.map((issue) => {
    if (issue.code !== 'unrecognized_keys') return issue;
    const known = keysAt(schema, issue.path);
    const hints = issue.keys.map((key) => ({ key, meant: closestName(key, known) })).filter((hint) => hint.meant !== undefined);
    if (hints.length === 0) return issue;
    const said = issue.keys.length === 1 ? `"${hints[0]!.meant}"` : hints.map((hint) => `"${hint.meant}" for "${hint.key}"`).join(', ');
    return { ...issue, message: `${issue.message} (did you mean ${said}?)` };
  });
}

/** A schema's internals as far as this module walks them (zod 4's `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The object keys the schema allows at `path` (every option's, for a union). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = defOf(schema);
  if (def.innerType) return keysAt(def.innerType, path); // optional, default, nullable
  if (def.options) return def.options.flatMap((option) => keysAt(option, path));
  if (path.length === 0) return def.shape ? Object.keys(def.shape) : [];
  const [head, ...rest] = path;
  const next = def.shape?.[String(head)] ?? def.valueType ?? def.element;
  return next ? keysAt(next, rest) : [];
}
