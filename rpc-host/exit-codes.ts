/**
 * The exit codes of `tether rpc` and `tether agent` that callers act on.
 *
 * A supervisor tells a deterministic start failure from a crash by its code: a
 * configuration error exits with `CONFIG_ERROR_EXIT_CODE` (78, EX_CONFIG of
 * sysexits.h) and will fail the same way until the configuration changes, so
 * restarting it only burns attempts; so does a second gateway for a data dir that
 * one already serves (`ALREADY_SERVING_EXIT_CODE`).
 */

/** The configuration (file, environment, flags' values) is invalid; stderr names the key and the fix. */
export const CONFIG_ERROR_EXIT_CODE = 78;

/** `tether rpc --listen`: another gateway already serves the data dir; stderr names its pid and socket. */
export const ALREADY_SERVING_EXIT_CODE = 3;
