/**
 * `tether app`: its flags, its help, and the launch.
 *
 * Loaded by the `tether` bin only when `app` is the command, so `tether rpc` and
 * `tether agent` start without it.
 */
import { UsageError, integer, parseFlags } from '../../rpc-host/cli-commands.js';
import { launchApp } from './app-launcher.js';

const APP_HELP = `Usage: tether app [options]

Starts the desktop app: it keeps a \`tether rpc\` gateway running, with a tray menu and
a chat window. Where no Electron runtime can start (none installed, no display), it
says why and serves the same app in web mode instead: a local web server on
127.0.0.1 with a random token in its URL, for a browser on this machine. Ctrl+C stops
it and the gateway.

Options:
  --web                      serve the web mode even if the desktop app could start
  --port N                   web mode port (default: a free port)
  --home DIR                 the gateway's data dir; env TETHER_HOME
  --settings-dir DIR         where the app's settings.json lives (default $XDG_CONFIG_HOME/tether)
  -h, --help                 show help
`;

/** Runs `tether app ARGV`; resolves with the exit code. */
export async function appCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    web: { type: 'boolean' },
    port: { type: 'string' },
    home: { type: 'string' },
    'settings-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'app');
  if (values.help) {
    process.stdout.write(APP_HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : integer('--port', values.port, 0);
  if (port !== undefined && port > 65535) throw new UsageError(`--port takes a port number up to 65535, got "${values.port}"`);
  return launchApp({
    web: values.web === true,
    ...(port !== undefined ? { port } : {}),
    ...(values.home !== undefined ? { dataDir: values.home } : {}),
    ...(values['settings-dir'] !== undefined ? { settingsDir: values['settings-dir'] } : {}),
  });
}
