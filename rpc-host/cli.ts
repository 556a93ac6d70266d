#!/usr/bin/env node
/**
 * The gateway host's executable: `tether rpc` and `tether agent`.
 *
 * This is the script the app spawns (and packages unpacked, for a plain Node), so
 * it loads nothing of main/; the `tether` bin (`main/launch/tether.ts`) adds `app`.
 * It turns the compile cache on before the command line loads, hence the dynamic
 * import; the build bundles the command line into one module (scripts/build.mjs).
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
const { exitWith, runTetherCli } = await import('./cli-commands.js');
exitWith(runTetherCli(process.argv.slice(2)));
