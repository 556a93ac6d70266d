/**
 * The key of a session started from the keyboard (Mod+N): `chat-1`, `chat-2`, …,
 * the first one no listed session has. A key, not a title: titles are set by
 * renaming.
 */

/** The first free `chat-<n>` key. */
export function nextSessionKey(existing: Iterable<string>): string {
  const taken = new Set(existing);
  for (let n = 1; ; n++) {
    const key = `chat-${n}`;
    if (!taken.has(key)) return key;
  }
}
