/**
 * Turns off zod's compiled parsers for the short-lived commands.
 *
 * zod compiles a fast path for each object schema the first time it parses with
 * it (`new Function`), and decides whether to when it builds the schema. A
 * one-shot command (`tether agent`, `tether status`) parses a handful of
 * objects, so the compiling costs more than it saves: about 9 ms of a
 * `tether agent` (bench/startup.ts). A gateway (`rpc`) and the app run for hours
 * and validate in bulk: the first read of a 100,000-message session checks
 * 200,000 records, in 264–293 ms compiled against 439–498 ms without. So the
 * command decides, and it is known here only from the process's arguments:
 * cli-commands.ts imports this module first, before any schema is built. It is
 * zod's global setting, shared by every copy of zod in the process.
 */
import * as z from 'zod';

/** Commands that run long enough for compiled parsers to pay off. */
const LONG_LIVED_COMMANDS: ReadonlySet<string> = new Set(['rpc', 'app']);

if (!LONG_LIVED_COMMANDS.has(process.argv[2] ?? '')) z.config({ jitless: true });
