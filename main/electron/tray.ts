/**
 * The tray (menu bar) icon: maps the pure `TrayModel` onto Electron's `Tray` and
 * `Menu`, and rebuilds it on every state change.
 *
 * Everything the user reads is decided by `buildTrayModel`; this file only turns
 * it into a menu template and calls back. The menu is attached as the context menu
 * on every platform: Linux app indicators ignore clicks and only ever show it.
 * While the status line counts (uptime, "restarting in …") it is refreshed on a
 * timer too, so an open menu is never far off.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { Logger } from '../../rpc-host/shared.js';
import type { CompanionState } from '../core/companion.js';
import type { Unsubscribe } from '../core/emitter.js';
import { buildTrayModel, type TrayActionId, type TrayModel, type TrayToggleId } from '../core/menu-model.js';
import { trayIconFile } from './paths.js';

/** What the menu's items do. */
export interface TrayHandlers {
  /** A checkbox was clicked; `checked` is the value the user asked for. */
  onToggle(id: TrayToggleId, checked: boolean): void;
  onAction(id: TrayActionId): void;
}

/** Maps the tray model onto a menu template (pure; no Electron call). */
export function trayMenuTemplate(model: TrayModel, handlers: TrayHandlers): MenuItemConstructorOptions[] {
  return model.items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'status':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'toggle':
        // Ask for the opposite of the model's value: Electron flips the box before calling back.
        return { label: item.label, type: 'checkbox', checked: item.checked, click: () => handlers.onToggle(item.id, !item.checked) };
      case 'action':
        return {
          label: item.label,
          enabled: item.enabled,
          ...(item.accelerator !== undefined ? { accelerator: item.accelerator } : {}),
          click: () => handlers.onAction(item.id),
        };
      default: {
        const unreachable: never = item;
        throw new Error(`unhandled tray item ${JSON.stringify(unreachable)}`);
      }
    }
  });
}

/** How soon the status line goes stale: every second while a restart counts down, each half minute while up. */
export function trayRefreshDelay(state: CompanionState): number | null {
  if (state.gateway.state === 'restarting') return 1000;
  if (state.gateway.state === 'running') return 30_000;
  return null; // nothing counts
}

/** The state to follow, where the icons are, and what the menu's items do. */
export interface TrayControllerOptions {
  companion: { state(): CompanionState; onDidChangeState(listener: (state: CompanionState) => void): Unsubscribe };
  iconDir: string;
  platform: NodeJS.Platform;
  handlers: TrayHandlers;
  logger: Logger;
  now?: () => number;
  /** How many tool calls wait for the user's approval (the badge); none when absent. */
  approvalsWaiting?: () => number;
}

/** Owns the tray icon for the app's lifetime. */
export class TrayController {
  private tray: Tray | undefined;
  private shown: { icon: string; tooltip: string; menu: string; badge: string } | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;

  constructor(private readonly options: TrayControllerOptions) {}

  /** Creates the icon and follows the companion's state. */
  start(): void {
    if (this.tray) return; // already started
    const model = buildTrayModel(this.options.companion.state(), this.now(), this.approvalsWaiting());
    this.tray = new Tray(this.image(model.icon));
    this.shown = { icon: model.icon, tooltip: '', menu: '', badge: '' }; // the image is set; tooltip and menu follow in update()
    if (this.options.platform === 'win32') {
      // Windows shows the menu on right click; a left click opens the chat, as users expect there.
      this.tray.on('click', () => this.options.handlers.onAction('open-chat'));
    }
    this.unsubscribe = this.options.companion.onDidChangeState((state) => this.update(state));
    this.update(this.options.companion.state());
  }

  /**
   * Rebuilds the icon, tooltip and menu for `state`, skipping what did not change.
   * `force` rebuilds the menu anyway: Electron ticks a checkbox itself on click, so
   * after a toggle that failed the menu shows a value the model never had.
   */
  update(state: CompanionState = this.options.companion.state(), options: { force?: boolean } = {}): void {
    const tray = this.tray;
    if (!tray || tray.isDestroyed()) return; // disposed
    const model = buildTrayModel(state, this.now(), this.approvalsWaiting());
    const menu = JSON.stringify(model.items);
    if (this.shown?.icon !== model.icon) tray.setImage(this.image(model.icon));
    if (this.shown?.tooltip !== model.tooltip) tray.setToolTip(model.tooltip);
    if (this.shown?.badge !== model.badge) tray.setTitle(model.badge); // shown beside the icon on macOS
    if (this.shown?.menu !== menu || options.force) tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(model, this.options.handlers)));
    this.shown = { icon: model.icon, tooltip: model.tooltip, menu, badge: model.badge };
    this.schedule(state);
  }

  dispose(): void {
    clearTimeout(this.refresh);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.tray && !this.tray.isDestroyed()) this.tray.destroy();
    this.tray = undefined;
  }

  private schedule(state: CompanionState): void {
    clearTimeout(this.refresh);
    const delay = trayRefreshDelay(state);
    if (delay === null) return;
    this.refresh = setTimeout(() => this.update(), delay);
  }

  private image(icon: string) {
    const file = trayIconFile(this.options.iconDir, icon, this.options.platform);
    const image = nativeImage.createFromPath(file);
    if (image.isEmpty()) this.options.logger.warn(`tray icon ${file} is missing or unreadable; run "npm run icons" or reinstall the app`);
    return image;
  }

  private approvalsWaiting(): number {
    return this.options.approvalsWaiting?.() ?? 0;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
