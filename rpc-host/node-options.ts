/**
 * The Node options the gateway child runs with, for whoever spawns it (as
 * `NODE_OPTIONS`, which reaches Node whether the command is `node cli.js`, the
 * `tether` bin or Electron run as Node).
 *
 * `--max-semi-space-size=1`: every send makes short-lived garbage (the request
 * body, events, lines), and under a steady rate V8 grows its young generation
 * to 16 MiB semi-spaces, which RSS follows and never gives back. At 1 MiB the
 * scavenges stay cheap (little of a send survives it) and the long-lived child
 * stays about 40 MB smaller after thousands of sends (`npx tsx bench/send-floor.ts`
 * prints the RSS). V8 reads this only at start-up, so the child cannot set it
 * for itself.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=1';
