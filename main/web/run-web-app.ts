/**
 * `tether app --web`: the Electron-free companion core plus the renderer in a
 * browser. Starts the gateway, serves the UI on 127.0.0.1, prints the URL with its
 * token, and on Ctrl+C (or SIGTERM) closes the server and stops the gateway child
 * in stages, so nothing is left running.
 */
import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createLogger, TETHER_VERSION } from '../../rpc-host/shared.js';
import type { WebAppOptions } from '../launch/app-launcher.js';
import { BridgeService } from '../bridge/service.js';
import { createCompanion } from '../core/companion.js';
import { startWebServer } from './web-server.js';
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

  let server;
  try {
    server = await startWebServer({ service, rendererDir: RENDERER_DIR, logger, ...(options.port !== undefined ? { port: options.port } : {}) });
  } catch (error) {
    await companion.shutdown();
    const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${options.port} is in use; pick another with --port, or --port 0 for a free one` : errorMessage(error);
    print(`Tether web mode could not start its server: ${reason}`);
    return 1;
  }

  // The URL first, so the user (and tests) can open the page while the gateway starts.
  print(`Tether web mode: open ${server.url}`);
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
