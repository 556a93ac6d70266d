/**
 * The error for a configuration problem, reported before anything starts.
 *
 * In its own module so the config file's parts (`config.ts`, `provider-config.ts`)
 * can share it without importing each other.
 */

/** A configuration problem; its message names the key, the value and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
