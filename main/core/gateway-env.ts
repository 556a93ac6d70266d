/**
 * The environment the gateway child (and the one-shot CLI) gets: an allow-list of
 * the parent's variables, never the whole of it.
 *
 * The Electron main process carries variables that would change how a Node child
 * behaves (`NODE_OPTIONS`, `ELECTRON_*`, debugger ports, the app's own `npm_*`), and
 * secrets the gateway has no business seeing. So only what a command-line program
 * needs to find its home, locale, temp dir, proxies and certificates passes, plus the
 * gateway's own `TETHER_*` settings; anything else must be added on purpose through
 * the settings (`gatewayEnv`), e.g. an API key for a provider. `NODE_OPTIONS` is
 * the gateway's own (`GATEWAY_NODE_OPTIONS`: a smaller young generation, so the
 * long-lived child keeps a small RSS) unless the settings give one.
 */
import { GATEWAY_NODE_OPTIONS } from '../../rpc-host/shared.js';

/** Variables passed as they are (compared case-insensitively, as Windows does). */
const ALLOWED_NAMES = new Set([
  'HOME', 'USER', 'LOGNAME', 'USERNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ',
  'TMPDIR', 'TEMP', 'TMP',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS',
  // Windows needs these for almost any program to start.
  'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'APPDATA', 'LOCALAPPDATA',
  'USERPROFILE', 'HOMEDRIVE', 'HOMEPATH', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)',
]);

/** Variable families passed as they are. */
const ALLOWED_PREFIXES = ['LC_', 'XDG_', 'TETHER_'];

/** Whether the parent's variable `name` may pass to the child. */
export function isAllowedVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return ALLOWED_NAMES.has(upper) || ALLOWED_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/** What goes into the child's environment besides the allow-listed part. */
export interface GatewayEnvOptions {
  /** The search path to give the child (the augmented PATH). */
  path: string;
  /** The data dir, passed as `TETHER_HOME` so the child and the CLI share one store. */
  dataDir?: string | undefined;
  /** Variables the user added in the settings; they win over the parent's. */
  extra?: Readonly<Record<string, string>> | undefined;
  /** Variables the command itself needs (e.g. `ELECTRON_RUN_AS_NODE`); they win over everything. */
  command?: Readonly<Record<string, string>> | undefined;
}

/** Builds the child's environment from the parent's. */
export function buildGatewayEnv(parent: NodeJS.ProcessEnv, options: GatewayEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && isAllowedVariable(name)) env[name] = value;
  }
  const pathName = Object.keys(parent).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathName] = options.path;
  if (options.dataDir !== undefined) env.TETHER_HOME = options.dataDir;
  env.NODE_OPTIONS = GATEWAY_NODE_OPTIONS; // the gateway's own, never the app's (a debugger flag would break the child)
  Object.assign(env, options.extra, options.command);
  return env;
}
