#!/usr/bin/env node
/**
 * The gateway host's executable: `tether rpc` and `tether agent`.
 *
 * This is the script the app spawns (and packages unpacked, for a plain Node), so
 * it loads nothing of main/; the `tether` bin (`main/launch/tether.ts`) adds `app`.
 */
import { exitWith, runTetherCli } from './cli-commands.js';

exitWith(runTetherCli(process.argv.slice(2)));
