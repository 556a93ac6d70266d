/**
 * A stand-in for the `electron` module, for `vi.mock('electron', ...)`: records
 * what the adapter asked for (windows and their options, tray images and menus,
 * IPC handlers, protocol handlers, notifications) and lets a test fire the events
 * Electron would. No Electron binary is needed (none can be downloaded here).
 */
import { EventEmitter } from 'node:events';

type Handler = (...args: any[]) => unknown;

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  destroyed = false;
  url = 'app://tether/index.html';
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  focused = false;
  destroyed = false;
  loaded: string | undefined;
  bounds: { x: number; y: number; width: number; height: number };
  constructor(readonly options: Record<string, any>) {
    super();
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width, height: options.height };
    FakeBrowserWindow.all.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded = url;
    return Promise.resolve();
  }
  /** Like Electron: showing a window also focuses it. */
  show(): void {
    this.visible = true;
    this.focused = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  isFocused(): boolean {
    return this.focused;
  }
  setPosition(x: number, y: number): void {
    this.bounds = { ...this.bounds, x, y };
  }
  /** Simulates the window losing focus (the user clicked another app). */
  userBlur(): void {
    this.focused = false;
    this.emit('blur');
  }
  restore(): void {
    this.minimized = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isFullScreen(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  /** Simulates the user closing the window; returns whether it was prevented. */
  userClose(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.destroy();
    return prevented;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export class FakeImage {
  constructor(readonly path: string) {}
  isEmpty(): boolean {
    return false;
  }
}

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = [];
  readonly images: string[] = [];
  tooltip = '';
  menu: { template: any[] } | undefined;
  menuBuilds = 0;
  destroyed = false;
  constructor(image: FakeImage) {
    super();
    this.images.push(image.path);
    FakeTray.all.push(this);
  }
  setImage(image: FakeImage): void {
    this.images.push(image.path);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  title = '';
  setTitle(text: string): void {
    this.title = text;
  }
  setContextMenu(menu: { template: any[] }): void {
    this.menu = menu;
    this.menuBuilds++;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks the item with `label` as Electron does: a checkbox is ticked or cleared before its handler runs. */
  click(label: string): void {
    const entry = this.item(label);
    if (entry.type === 'checkbox') entry.checked = !entry.checked;
    entry.click?.(entry);
  }
  /** The menu item with `label`. */
  item(label: string): any {
    const found = this.menu?.template.find((entry) => entry.label === label);
    if (!found) throw new Error(`no menu item "${label}" in ${JSON.stringify(this.menu?.template.map((entry) => entry.label))}`);
    return found;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static supported = true;
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  hasLock = true;
  quits = 0;
  exitCode: number | undefined;
  userModelId: string | undefined;
  paths: Record<string, string> = { appData: '/tmp/tether-fake/appData', userData: '/tmp/tether-fake/appData/Electron' };
  sandboxed = false;
  name = 'Electron';
  setName(name: string): void {
    this.name = name;
  }
  setPath(name: string, path: string): void {
    this.paths[name] = path;
  }
  enableSandbox(): void {
    this.sandboxed = true;
  }
  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  isReady(): boolean {
    return true;
  }
  getPath(name: string): string {
    return this.paths[name] ?? `/tmp/tether-fake/${name}`;
  }
  getVersion(): string {
    return '0.1.0';
  }
  setAppUserModelId(id: string): void {
    this.userModelId = id;
  }
  /** Like Electron: emits `before-quit` (which may be prevented), then `will-quit` unless it was. */
  quit(): void {
    this.quits++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) this.emit('will-quit');
  }
  exit(code: number): void {
    this.exitCode = code;
  }
}

export const fake = {
  app: new FakeApp(),
  ipcHandlers: new Map<string, Handler>(),
  protocolHandlers: new Map<string, Handler>(),
  privilegedSchemes: [] as unknown[],
  permissionRequestHandler: undefined as Handler | undefined,
  permissionCheckHandler: undefined as Handler | undefined,
  openedExternal: [] as string[],
  openedPaths: [] as string[],
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  cursor: { x: 0, y: 0 },
  /** Accelerators registered with `globalShortcut`, and their callbacks. */
  shortcuts: new Map<string, () => void>(),
  /** Accelerators another app holds: `register` answers false for them. */
  takenShortcuts: new Set<string>(),
};

/** Forgets every recorded call and restores the defaults (call in `beforeEach`). */
export function resetFakeElectron(): void {
  fake.app.removeAllListeners();
  Object.assign(fake.app, { name: 'Electron', paths: { appData: '/tmp/tether-fake/appData', userData: '/tmp/tether-fake/appData/Electron' }, sandboxed: false, isPackaged: false, hasLock: true, quits: 0, exitCode: undefined, userModelId: undefined });
  fake.ipcHandlers.clear();
  fake.protocolHandlers.clear();
  fake.privilegedSchemes.length = 0;
  fake.permissionRequestHandler = undefined;
  fake.permissionCheckHandler = undefined;
  fake.openedExternal.length = 0;
  fake.openedPaths.length = 0;
  fake.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }];
  fake.cursor = { x: 0, y: 0 };
  fake.shortcuts.clear();
  fake.takenShortcuts.clear();
  FakeBrowserWindow.all.length = 0;
  FakeTray.all.length = 0;
  FakeNotification.shown.length = 0;
  FakeNotification.supported = true;
}

/** The module object `vi.mock('electron')` returns. */
export const electronModule = {
  app: fake.app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Notification: FakeNotification,
  Menu: { buildFromTemplate: (template: any[]) => ({ template }) },
  nativeImage: { createFromPath: (path: string) => new FakeImage(path) },
  ipcMain: {
    handle: (channel: string, handler: Handler) => {
      if (fake.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      fake.ipcHandlers.set(channel, handler);
    },
    removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
  },
  protocol: {
    registerSchemesAsPrivileged: (schemes: unknown[]) => fake.privilegedSchemes.push(...schemes),
    handle: (scheme: string, handler: Handler) => fake.protocolHandlers.set(scheme, handler),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (handler: Handler) => (fake.permissionRequestHandler = handler),
      setPermissionCheckHandler: (handler: Handler) => (fake.permissionCheckHandler = handler),
    },
  },
  shell: {
    openExternal: async (url: string) => {
      fake.openedExternal.push(url);
    },
    openPath: async (path: string) => {
      fake.openedPaths.push(path);
      return '';
    },
  },
  screen: {
    getAllDisplays: () => fake.displays,
    getCursorScreenPoint: () => fake.cursor,
    getDisplayNearestPoint: (point: { x: number; y: number }) =>
      fake.displays.find(({ workArea: a }) => point.x >= a.x && point.x < a.x + a.width && point.y >= a.y && point.y < a.y + a.height) ?? fake.displays[0],
  },
  globalShortcut: {
    // Like Electron: a malformed accelerator throws; one another app holds answers false.
    register: (accelerator: string, callback: () => void) => {
      if (!/^(?:(?:CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|Shift|Super|Meta)\+)+(?:[A-Z0-9]|F\d{1,2}|Space|Tab|Enter|Escape)$/u.test(accelerator)) throw new Error(`conversion failure: ${accelerator}`);
      if (fake.takenShortcuts.has(accelerator) || fake.shortcuts.has(accelerator)) return false;
      fake.shortcuts.set(accelerator, callback);
      return true;
    },
    unregister: (accelerator: string) => fake.shortcuts.delete(accelerator),
  },
  dialog: { showErrorBox: () => {} },
};
