/**
 * The Electron main entry (`package.json` `main`, and what `tether app` starts).
 *
 * All of the app is in `app.ts`; this only starts it and makes a startup failure
 * visible instead of leaving a process with no window and no tray.
 */
import { app, dialog } from 'electron';
import { startDesktopApp } from './app.js';
import { errorStack } from '../../rpc-host/protocol/errors.js';

startDesktopApp().catch((error: unknown) => {
  const message = errorStack(error);
  process.stderr.write(`tether: the desktop app failed to start: ${message}\n`);
  if (app.isReady()) dialog.showErrorBox('Tether could not start', message);
  app.exit(1);
});
