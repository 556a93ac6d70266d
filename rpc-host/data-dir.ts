/**
 * Where the gateway keeps its data when nobody says: the one path the gateway and
 * its clients (the app, scripts) must agree on.
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { errorMessage } from './protocol/errors.js';

/** The default data dir: `$TETHER_HOME`, else `$XDG_DATA_HOME/tether`, else `~/.local/share/tether` (`%LOCALAPPDATA%\tether` on Windows). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TETHER_HOME) return resolve(env.TETHER_HOME);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'tether');
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'tether');
}

/**
 * Readies a data dir someone named (`--home`): an existing directory, or a new one
 * created here when its parent exists.
 *
 * A typo in the path is reported instead of silently growing a new tree of
 * directories somewhere unexpected (the default dir, by contrast, is created with
 * its parents). Returns what is wrong, naming `namedBy`, or undefined when ready.
 */
export function prepareNamedDataDir(dir: string, namedBy: string): string | undefined {
  const path = resolve(dir);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return undefined; // ready
  if (stat) return `${namedBy} ${dir} is a file, not a directory; give the directory tether keeps its data in (sessions, outbox, config.json)`;
  const parent = dirname(path);
  if (statSync(parent, { throwIfNoEntry: false })?.isDirectory() !== true) {
    return `${namedBy} ${dir}: its parent directory ${parent} does not exist, so it was not created; check the path, or create the parent first (mkdir -p ${parent})`;
  }
  try {
    mkdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `${namedBy} ${dir}: cannot create it (${errorMessage(error)}); give a directory you can write to`;
  }
  return undefined;
}
