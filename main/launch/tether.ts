#!/usr/bin/env node
/**
 * The `tether` bin: the gateway's commands (`rpc`, `agent`) plus `app`, the
 * desktop app or its web mode.
 *
 * The composition root of the command line. Like the host's executable
 * (rpc-host/cli.ts), the build makes it a CommonJS entry, `tether.cjs`, that loads
 * the command line bundle with the code compiled last time. `app` is loaded only
 * when it is the command (a literal import, so the compiler and lint see the
 * edge), which keeps `tether rpc` and `tether agent` as quick to start through
 * this bin as through the host's executable.
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../../rpc-host/compile-cache.js';

const { exports: commandLine } = loadBundle<typeof import('../../rpc-host/cli-commands.js')>(fileURLToPath(new URL('../../rpc-host/cli-commands.cjs', import.meta.url)));
commandLine.exitWith(
  commandLine.runTetherCli(process.argv.slice(2), {
    app: async (argv) => (await import('./app-command.js')).appCommand(argv),
  }),
);
