/**
 * The window's keyboard shortcuts, in one list: what the shortcut sheet shows and
 * what the key handler matches, so the two never disagree.
 */

/** What a shortcut does. */
export type ShortcutCommand = 'abort' | 'new-session' | 'search' | 'shortcuts' | 'focus-composer';

/** One shortcut as the sheet lists it. */
export interface Shortcut {
  command: ShortcutCommand;
  /** The keys, as the sheet spells them (`Mod` is Ctrl, or ⌘ on a Mac). */
  keys: string[];
  description: string;
}

/** The quick-ask window's default global shortcut (the desktop app registers it). */
export const QUICK_ASK_KEYS = ['Mod', 'Shift', 'Space'];

/** Every shortcut of the chat window. `search` is listed only when search exists. */
export const SHORTCUTS: readonly Shortcut[] = [
  { command: 'abort', keys: ['Escape'], description: 'Stop the reply that is streaming' },
  { command: 'new-session', keys: ['Mod', 'Alt', 'N'], description: 'Start a new session (Ctrl+N also works in the desktop app)' },
  { command: 'search', keys: ['Mod', 'K'], description: 'Search sessions' },
  { command: 'focus-composer', keys: ['/'], description: 'Go to the message box' },
  { command: 'shortcuts', keys: ['?'], description: 'Show these shortcuts' },
];

/** True on a Mac, where `Mod` is ⌘. */
export function isMac(platform: string = typeof navigator === 'undefined' ? '' : navigator.platform): boolean {
  return /mac|iphone|ipad/iu.test(platform);
}

/** A key as the sheet shows it on this platform. */
export function keyLabel(key: string, mac: boolean): string {
  if (key === 'Mod') return mac ? '⌘' : 'Ctrl';
  if (key === 'Alt') return mac ? '⌥' : 'Alt';
  if (key === 'Shift') return mac ? '⇧' : 'Shift';
  return key;
}

/** Keys as one line: `Ctrl+Shift+Space`, `⌘⇧Space`. */
export function keysText(keys: readonly string[], mac: boolean): string {
  return keys.map((key) => keyLabel(key, mac)).join(mac ? '' : '+');
}

/** The part of a key event a shortcut looks at. */
export interface KeyPress {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/**
 * The command a key press means, or null. `typing` is true while focus is in a
 * text field: then only keys that cannot be text count (Escape, Mod+…), so `?`
 * and `/` stay characters there. Ctrl+N alone is a browser's "new window", which a
 * page cannot take over, hence Mod+Alt+N (Ctrl+N still works where the page gets it).
 */
export function commandFor(press: KeyPress, typing: boolean, mac: boolean): ShortcutCommand | null {
  const mod = mac ? press.metaKey : press.ctrlKey;
  if (press.key === 'Escape') return 'abort';
  if (mod && (press.code === 'KeyN' || press.key.toLowerCase() === 'n') && !press.shiftKey) return 'new-session';
  if (mod && !press.altKey && !press.shiftKey && press.key.toLowerCase() === 'k') return 'search';
  if (typing || mod || press.altKey) return null;
  if (press.key === '?') return 'shortcuts';
  if (press.key === '/') return 'focus-composer';
  return null;
}
