#!/usr/bin/env node
/**
 * The `tether` bin: the gateway's commands (`rpc`, `agent`) plus `app`, the
 * desktop app or its web mode.
 *
 * The composition root of the command line. `app` is loaded only when it is the
 * command (a literal import, so the compiler and lint see the edge), which keeps
 * `tether rpc` and `tether agent` as quick to start through this bin as through the
 * gateway host script.
 */
import { exitWith, runTetherCli } from '../../rpc-host/cli-commands.js';

exitWith(
  runTetherCli(process.argv.slice(2), {
    app: async (argv) => (await import('./app-command.js')).appCommand(argv),
  }),
);
