/**
 * Turns off zod's compiled parsers for the command line.
 *
 * zod compiles a fast path for each object schema the first time it parses with
 * it (`new Function`), and decides whether to when it builds the schema. A
 * one-shot command parses a handful of objects, so the compiling costs more than
 * it saves (about 9 ms of a `tether agent`, bench/startup.ts); the long-lived
 * gateway measured no difference either way, in CPU per `status` or per `send`.
 * cli-commands.ts imports this module first, so the setting is in place before
 * any schema is built. It is zod's global setting: the app's main process, which
 * loads the command line too, parses with the same interpreted parsers.
 */
import * as z from 'zod';

z.config({ jitless: true });
