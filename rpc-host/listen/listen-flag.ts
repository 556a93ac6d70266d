/**
 * `--listen [PATH]`: a flag whose value may be left out, which `parseArgs` cannot
 * express, so it is taken out of argv before the rest is parsed strictly.
 */
import { resolve } from 'node:path';

/** What `--listen` asked for: nothing, the default socket, or a path. */
export type ListenRequest = undefined | { path: string | undefined };

/**
 * Takes `--listen`, `--listen PATH` and `--listen=PATH` out of `argv`. A following
 * argument that starts with `-` is the next flag, not a path. Relative paths are
 * resolved against the working directory. An empty `--listen=` is an error the
 * caller reports (returned as `empty: true`).
 */
export function takeListenFlag(argv: readonly string[]): { listen: ListenRequest; rest: string[]; empty: boolean } {
  const rest: string[] = [];
  let listen: ListenRequest;
  let empty = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--listen') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        listen = { path: resolve(next) };
        i++;
      } else {
        listen = { path: undefined };
      }
    } else if (arg.startsWith('--listen=')) {
      const value = arg.slice('--listen='.length);
      if (value === '') empty = true;
      listen = { path: value === '' ? undefined : resolve(value) };
    } else {
      rest.push(arg);
    }
  }
  return { listen, rest, empty };
}
