/**
 * Calls back when one file is created, changed, replaced or removed.
 *
 * Watches the file's folder, not the file: editors save by writing a new file and
 * renaming it over the old one, which a watch on the old file stops seeing, and the
 * file may not exist yet. One save can be several events; a burst is folded into
 * one call once it has been quiet for `debounceMs`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { errorMessage } from '../../rpc-host/protocol/errors.js';

/** Stops a watch. */
export interface FileWatch {
  dispose(): void;
}

/** Watches `path`; `onError` hears why a watch could not start (a missing folder) and then nothing more happens. */
export function watchFile(path: string, onChange: () => void, onError: (message: string) => void, debounceMs = 150): FileWatch {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return; // another file in the folder
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch (error) {
    onError(`cannot watch ${path}: ${errorMessage(error)}`);
    return { dispose() {} };
  }
  watcher.on('error', (error) => onError(`stopped watching ${path}: ${errorMessage(error)}`));
  return {
    dispose() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
