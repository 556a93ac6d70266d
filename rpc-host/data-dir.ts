/**
 * Where the gateway keeps its data when nobody says: the one path the gateway and
 * its clients (the app, scripts) must agree on.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The default data dir: `$TETHER_HOME`, else `$XDG_DATA_HOME/tether`, else `~/.local/share/tether` (`%LOCALAPPDATA%\tether` on Windows). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TETHER_HOME) return resolve(env.TETHER_HOME);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'tether');
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'tether');
}
