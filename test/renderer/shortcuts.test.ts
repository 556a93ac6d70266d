/**
 * The keyboard shortcuts: which key press means which command, with and without
 * focus in a text field, on a Mac and elsewhere, and how the sheet spells them.
 */
import { describe, expect, it } from 'vitest';
import { commandFor, keysText, QUICK_ASK_KEYS, type KeyPress } from '../../renderer/src/model/shortcuts.js';

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...extra });

describe('commandFor', () => {
  it('aborts on Escape, even while typing', () => {
    expect(commandFor(press('Escape'), true, false)).toBe('abort');
  });

  it('starts a new session on Ctrl+N or Ctrl+Alt+N, and on ⌘N on a Mac', () => {
    expect(commandFor(press('n', { ctrlKey: true, code: 'KeyN' }), true, false)).toBe('new-session');
    expect(commandFor(press('ñ', { ctrlKey: true, altKey: true, code: 'KeyN' }), false, false)).toBe('new-session');
    expect(commandFor(press('n', { metaKey: true, code: 'KeyN' }), false, true)).toBe('new-session');
    expect(commandFor(press('n', { metaKey: true, code: 'KeyN' }), false, false)).toBeNull(); // ⌘ is not Ctrl off a Mac
  });

  it('searches on Ctrl+K', () => {
    expect(commandFor(press('k', { ctrlKey: true }), true, false)).toBe('search');
  });

  it('opens the sheet on ? and goes to the message box on /, but not while typing', () => {
    expect(commandFor(press('?', { shiftKey: true }), false, false)).toBe('shortcuts');
    expect(commandFor(press('/'), false, false)).toBe('focus-composer');
    expect(commandFor(press('?', { shiftKey: true }), true, false)).toBeNull();
    expect(commandFor(press('/'), true, false)).toBeNull();
    expect(commandFor(press('a'), false, false)).toBeNull();
  });
});

describe('keysText', () => {
  it('spells the quick-ask shortcut for each platform', () => {
    expect(keysText(QUICK_ASK_KEYS, false)).toBe('Ctrl+Shift+Space');
    expect(keysText(QUICK_ASK_KEYS, true)).toBe('⌘⇧Space');
  });
});
