/**
 * Node built-ins loaded on their first use.
 *
 * The command line is one bundle, and every import in it runs when a command
 * starts. A built-in that only some paths need (child processes, sockets,
 * hashing, V8's flags) would cost every `tether agent` and every gateway start
 * its load time: `node:crypto` alone is about 4 ms, as much as a tenth of a
 * one-shot (bench/startup.ts). Such modules import only its types, and call the
 * loader this returns where they use it.
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/** A function that loads the built-in `name` on its first call and returns it from then on. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
}
