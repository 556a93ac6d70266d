import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, logDirFor, trayIconFile } from '../../../main/electron/paths.js';

describe('appPaths', () => {
  it('finds everything beside dist/ in a checkout', () => {
    expect(appPaths({ isPackaged: false, resourcesPath: '/unused', distDir: '/repo/dist' })).toEqual({
      rendererDir: join('/repo/dist', 'renderer'),
      preload: join('/repo/dist', 'main', 'preload.cjs'),
      hostScript: join('/repo/dist', 'rpc-host', 'cli.cjs'),
      trayIconDir: join('/repo', 'build', 'tray'),
    });
  });

  it('runs the host from app.asar.unpacked and takes tray icons from resources/ when packaged', () => {
    const paths = appPaths({ isPackaged: true, resourcesPath: '/opt/Tether/resources', distDir: '/opt/Tether/resources/app.asar/dist' });
    expect(paths.hostScript).toBe('/opt/Tether/resources/app.asar.unpacked/dist/rpc-host/cli.cjs');
    expect(paths.rendererDir).toBe('/opt/Tether/resources/app.asar/dist/renderer'); // Electron reads inside the asar itself
    expect(paths.trayIconDir).toBe('/opt/Tether/resources/tray');
  });

  it('defaults to the checkout dist/ when run from sources', () => {
    expect(appPaths({ isPackaged: false, resourcesPath: '' }).preload).toMatch(/[\\/]dist[\\/]main[\\/]preload\.cjs$/u);
  });
});

describe('trayIconFile', () => {
  it('uses Template images on macOS and coloured ones elsewhere', () => {
    expect(trayIconFile('/i', 'failed', 'darwin')).toBe(join('/i', 'failedTemplate.png'));
    expect(trayIconFile('/i', 'failed', 'linux')).toBe(join('/i', 'failed.png'));
    expect(trayIconFile('/i', 'failed', 'win32')).toBe(join('/i', 'failed.png'));
  });
});

describe('logDirFor', () => {
  it('puts logs beside the settings, or where Console looks on macOS', () => {
    expect(logDirFor('/home/u/.config/tether', 'linux', '/home/u')).toBe(join('/home/u/.config/tether', 'logs'));
    expect(logDirFor('C:/Users/u/AppData/Roaming/tether', 'win32', 'C:/Users/u')).toBe(join('C:/Users/u/AppData/Roaming/tether', 'logs'));
    expect(logDirFor('/Users/u/Library/Application Support/tether', 'darwin', '/Users/u')).toBe(join('/Users/u', 'Library', 'Logs', 'Tether'));
  });
});
