/**
 * The global shortcut that opens quick ask, registered with Electron's
 * `globalShortcut` from the `quickAskShortcut` setting.
 *
 * Another app may hold the same keys: `register` then answers false (Electron
 * cannot say which app). That is not an error in Tether, but the user pressed
 * keys that did nothing, so the outcome carries a message that says so and how
 * to pick other keys; the app shows it as a notification.
 */
import { globalShortcut } from 'electron';
import { errorMessage } from '../../rpc-host/protocol/errors.js';

/** The setting that holds the shortcut (named in every message about it). */
export const SHORTCUT_SETTING = 'quickAskShortcut';

/** How registering went: on, turned off in the settings, held by another app, or not a valid accelerator. */
export type ShortcutOutcome =
  | { status: 'registered'; accelerator: string }
  | { status: 'off' }
  | { status: 'taken'; accelerator: string; message: string }
  | { status: 'invalid'; accelerator: string; message: string };

/** A registered (or not) shortcut: how it went, and how to let the keys go. */
export interface QuickAskShortcut {
  outcome: ShortcutOutcome;
  dispose(): void;
}

/**
 * Registers `accelerator` (null: the user turned it off) to call `onPress`.
 * `settingsPath` is named in the messages, since that is where the fix goes.
 */
export function registerQuickAskShortcut(accelerator: string | null, onPress: () => void, settingsPath: string): QuickAskShortcut {
  if (accelerator === null) return { outcome: { status: 'off' }, dispose: () => undefined };
  const fix = `set "${SHORTCUT_SETTING}" in ${settingsPath} to other keys (for example "CommandOrControl+Alt+Space", or null to turn it off) and restart Tether`;
  let registered: boolean;
  try {
    registered = globalShortcut.register(accelerator, onPress);
  } catch (error) {
    return { outcome: { status: 'invalid', accelerator, message: `the quick-ask shortcut "${accelerator}" is not a valid accelerator (${errorMessage(error)}); ${fix}` }, dispose: () => undefined };
  }
  if (!registered) {
    return { outcome: { status: 'taken', accelerator, message: `the quick-ask shortcut "${accelerator}" is taken by another app; ${fix}` }, dispose: () => undefined };
  }
  return {
    outcome: { status: 'registered', accelerator },
    dispose: () => globalShortcut.unregister(accelerator),
  };
}
