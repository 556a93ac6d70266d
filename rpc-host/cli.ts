#!/usr/bin/env node
/**
 * The gateway host's executable: `tether rpc` and `tether agent`.
 *
 * This is the script the app spawns (and packages unpacked, for a plain Node), so
 * it loads nothing of main/; the `tether` bin (`main/launch/tether.ts`) adds `app`.
 * The build makes it `dist/rpc-host/cli.cjs`: a CommonJS entry starts without
 * Node's ES module loader, which costs a one-shot about a tenth of its time. The
 * compiler's `cli.js` beside it does the same, for anything that ran that path.
 * The command line itself is one bundle, loaded with the code compiled last time
 * (compile-cache.ts).
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from './compile-cache.js';

const { exports: commandLine } = loadBundle<typeof import('./cli-commands.js')>(fileURLToPath(new URL('./cli-commands.cjs', import.meta.url)));
commandLine.exitWith(commandLine.runTetherCli(process.argv.slice(2)));
