/**
 * Secrets read from the environment (API keys, header tokens, webhook URLs): how a
 * config value takes one in, and how every output keeps them out.
 */
import { ConfigError } from './config-error.js';
import { scrubSecrets } from './secret-scrubber.js';

/**
 * Replaces every secret in `text` with `[redacted]`.
 *
 * The same matching as the streaming scrubber (`secret-scrubber.ts`), so a message
 * and a reply streamed in pieces are scrubbed alike.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return scrubSecrets(text, secrets);
}

/**
 * Expands `${NAME}` in a config value from the environment.
 *
 * A variable that is not set is a config error at start (naming the key), not an
 * empty header at first use. Every expanded value is added to `secrets`.
 */
export function expandEnv(value: string, keyPath: string, env: NodeJS.ProcessEnv, secrets: string[]): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/gu, (_, name: string) => {
    const found = env[name];
    if (found === undefined || found === '') {
      throw new ConfigError(`"${keyPath}" uses \${${name}}, but the environment variable ${name} is not set; set it or remove the reference`);
    }
    secrets.push(found);
    return found;
  });
}

