#!/usr/bin/env node
/**
 * The `tether` bin: the gateway's commands (`rpc`, `agent`) plus `app`, the
 * desktop app or its web mode.
 *
 * The composition root of the command line. It turns the compile cache on before
 * the command line loads (hence the dynamic import). `app` is loaded only when it
 * is the command (a literal import, so the compiler and lint see the edge), which
 * keeps `tether rpc` and `tether agent` as quick to start through this bin as
 * through the gateway host script.
 */
import { enableCompileCache } from '../../rpc-host/compile-cache.js';

enableCompileCache();
const { exitWith, runTetherCli } = await import('../../rpc-host/cli-commands.js');
exitWith(
  runTetherCli(process.argv.slice(2), {
    app: async (argv) => (await import('./app-command.js')).appCommand(argv),
  }),
);
