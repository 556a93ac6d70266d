/**
 * `tether app --web`: the Electron-free companion core plus the renderer in a
 * browser. Starts the gateway, serves the UI on 127.0.0.1, prints the URL with its
 * token, and on Ctrl+C (or SIGTERM) closes the server and stops the gateway child
 * in stages, so nothing is left running. The token and port are kept in the
 * settings folder and reused by the next start on the same data dir, so a tab left
 * open across a restart reconnects by itself.
 */
import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, TETHER_VERSION } from '../../rpc-host/shared.js';
import type { WebAppOptions } from '../launch/app-launcher.js';
import { BridgeService } from '../bridge/service.js';
import { createCompanion } from '../core/companion.js';
import { SavedWebAddress } from './saved-web-address.js';
import { startWebServer, type WebServer } from './web-server.js';
import { errorMessage } from '../../rpc-host/protocol/errors.js';

/** The built renderer, next to the compiled main process: dist/renderer. */
export const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));

/** Serves until Ctrl+C or SIGTERM; resolves with the exit code. */
export async function runWebApp(options: WebAppOptions): Promise<number> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!existsSync(`${RENDERER_DIR}index.html`)) {
    print(`The web UI is not built (${RENDERER_DIR}index.html is missing); run "npm run build" in the project folder.`);
    return 1;
  }
  const logger = createLogger('tether web');
  const companion = createCompanion({
    logger,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.settingsDir !== undefined ? { settingsDir: options.settingsDir } : {}),
  });
  const service = new BridgeService(
    companion,
    {
      appInfo: { mode: 'web', version: TETHER_VERSION, platform: platform() },
      openExternal: async () => false, // a server cannot open the user's browser; the page opens the tab
    },
    logger,
  );

  const saved = new SavedWebAddress(dirname(companion.state().settingsPath));
  const previous = saved.load(companion.dataDir);
  const start = (port: number | undefined) =>
    startWebServer({ service, rendererDir: RENDERER_DIR, logger, ...(port !== undefined ? { port } : {}), ...(previous ? { token: previous.token } : {}) });
  let server: WebServer;
  try {
    try {
      server = await start(options.port ?? previous?.port);
    } catch (error) {
      if (options.port !== undefined || previous === undefined || !isAddressInUse(error)) throw error;
      print(`Port ${previous.port}, used last time, is taken now; serving on another one (tabs open on the old URL must be opened again).`);
      server = await start(undefined);
    }
  } catch (error) {
    await companion.shutdown();
    const reason = isAddressInUse(error) ? `port ${options.port} is in use; pick another with --port, or --port 0 for a free one` : errorMessage(error);
    print(`Tether web mode could not start its server: ${reason}`);
    return 1;
  }
  saved.save(companion.dataDir, { token: server.token, port: server.port }).catch((error: unknown) => {
    logger.warn(`cannot keep the web address in ${saved.path} (tabs will not survive a restart): ${errorMessage(error)}`);
  });

  // The URL first, so the user (and tests) can open the page while the gateway starts.
  print(`Tether web mode: open ${server.url}`);
  if (previous?.token === server.token && previous.port === server.port) print('Same address as last time on this data dir: tabs still open reconnect by themselves.');
  print('Serving on 127.0.0.1 only; the token in the URL is your key. Press Ctrl+C to stop.');
  void companion.start().catch((error: unknown) => logger.error(`the gateway did not start: ${errorMessage(error)}`));

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

  print(`Stopping (${signal}): closing the server and stopping the gateway…`);
  // A second Ctrl+C while stopping means "now": the staged shutdown is cut short.
  const force = () => {
    print('Stopping at once.');
    process.exit(130);
  };
  process.once('SIGINT', force);
  try {
    await server.close();
    await companion.shutdown();
  } finally {
    process.off('SIGINT', force);
  }
  print('Stopped.');
  return 0;
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
