/**
 * `tether status`: what the gateway serving the data dir says of itself, asked
 * over its socket. With `--json`, the `status` payload (verbose) plus where it was
 * found; without, a few readable lines. When no gateway serves the data dir it
 * says so on stderr (and as an error object with `--json`) and exits 1.
 */
import { GatewayLink } from './attach-client.js';
import type { ErrorResponse, StatusPayload } from './protocol/results.js';

/** The help of `tether status`. */
export const STATUS_HELP = `Usage: tether status [--json] [--home DIR]

Shows the gateway serving the data dir (tether rpc --listen, or the app's gateway):
its pid, socket, uptime, provider, heartbeats, sessions and queue. Exit codes: 0 a
gateway answered, 1 none serves the data dir (or it did not answer).

Options:
  --json                     print the verbose status payload with "socket" added
  --home DIR                 data dir; env TETHER_HOME
  --config FILE              accepted for symmetry; the serving gateway's own config applies
  -h, --help                 show help
`;

/** Asks the serving gateway for its status and prints it; resolves with the exit code. */
export async function runStatusCommand(dataDir: string, json: boolean): Promise<number> {
  const link = await GatewayLink.connect(dataDir);
  if (link === undefined) return notServing(dataDir, json, 'no gateway is serving');
  try {
    const answer = await link.request({ type: 'status', id: 'status', verbose: true });
    if (answer.type === 'error') return notServing(dataDir, json, `the gateway answered with an error (${answer.code}: ${answer.error}) for`);
    const { StatusPayloadSchema } = await import('./protocol/results.js'); // built only by the commands that read results
    const status = StatusPayloadSchema.parse(answer.payload);
    if (json) process.stdout.write(JSON.stringify({ ...status, socket: link.gateway.socket }) + '\n');
    else process.stdout.write(describe(status, link.gateway.socket, dataDir));
    return 0;
  } catch (error) {
    return notServing(dataDir, json, `${error instanceof Error ? error.message : String(error)}; so no answer for`);
  } finally {
    link.close();
  }
}

function notServing(dataDir: string, json: boolean, what: string): number {
  const message = `${what} ${dataDir}; start one with tether rpc --listen (or the app)`;
  process.stderr.write(`tether status: ${message}\n`);
  if (json) {
    const response: ErrorResponse = { type: 'error', ok: false, code: 'not_found', error: message };
    process.stdout.write(JSON.stringify(response) + '\n');
  }
  return 1;
}

function describe(status: StatusPayload, socket: string, dataDir: string): string {
  const heartbeats = status.heartbeats.enabled ? `on, every ${Math.round(status.heartbeats.intervalMs / 1000)} s` : 'off';
  return [
    `gateway pid ${status.pid} (tether ${status.version}) serving ${dataDir}`,
    `  socket      ${socket}`,
    `  up          ${Math.round(status.uptimeMs / 1000)} s`,
    `  provider    ${status.providerLabel}`,
    `  heartbeats  ${heartbeats}`,
    `  sessions    ${status.sessions}`,
    `  queue       ${status.queue.running} running, depth ${status.queue.depth}`,
    '',
  ].join('\n');
}
