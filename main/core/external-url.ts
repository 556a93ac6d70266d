/**
 * Decides whether a link from the renderer may be opened in the system browser.
 *
 * Replies are model output, and a link in them is untrusted: `file:`, `javascript:`,
 * custom app schemes and the like could run something on the user's machine when
 * handed to the OS. Only web and mail links are opened, and only with a host (for
 * web links) and no embedded credentials.
 */

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The verdict: the normalised URL to open, or why not. */
export type ExternalUrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

/** Checks `raw`; on success returns the URL as the WHATWG parser normalised it. */
export function isSafeExternalUrl(raw: string): ExternalUrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'it is not an absolute URL' };
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) {
    return { ok: false, reason: `links with "${url.protocol}" are not opened; only http, https and mailto links are` };
  }
  if (url.protocol !== 'mailto:' && url.hostname === '') return { ok: false, reason: 'it has no host' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'it carries a user name or password' };
  return { ok: true, url: url.href };
}
