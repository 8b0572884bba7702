import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  resolveShellPaths,
  shouldStartHidden,
  supportsLoginItems,
  type ShellEnvironment,
} from './shell-paths.js';

const DEV: ShellEnvironment = {
  isPackaged: false,
  appPath: path.resolve('/src/omnisight'),
  resourcesPath: path.resolve('/usr/lib/electron/resources'),
  userDataPath: path.resolve('/home/op/.config/OmniSight'),
  defaultDataDir: path.resolve('/home/op/.local/share/omnisight'),
  env: {},
};
const PACKAGED: ShellEnvironment = {
  isPackaged: true,
  appPath: path.resolve('/opt/OmniSight/resources/app.asar'),
  resourcesPath: path.resolve('/opt/OmniSight/resources'),
  userDataPath: path.resolve('/home/op/.config/OmniSight'),
  defaultDataDir: path.resolve('/home/op/.local/share/omnisight'),
  env: {},
};

describe('resolveShellPaths', () => {
  it('uses the checkout in development', () => {
    const paths = resolveShellPaths(DEV);
    expect(paths).toEqual({
      dataDir: DEV.defaultDataDir,
      recordingsDir: undefined,
      logDir: path.join(DEV.defaultDataDir, 'logs'),
      migrationsDir: path.join(DEV.appPath, 'drizzle'),
      rendererDir: path.join(DEV.appPath, 'out', 'renderer'),
      preloadPath: path.join(DEV.appPath, 'out', 'preload', 'index.cjs'),
      workersDir: path.join(DEV.appPath, 'out', 'workers'),
      trayIconPath: path.join(DEV.appPath, 'resources', 'icons', 'tray.png'),
    });
  });

  it('reads migrations and icons from extraResources when packaged, code from the asar', () => {
    const paths = resolveShellPaths(PACKAGED);
    expect(paths.migrationsDir).toBe(path.join(PACKAGED.resourcesPath, 'drizzle'));
    expect(paths.trayIconPath).toBe(path.join(PACKAGED.resourcesPath, 'resources', 'icons', 'tray.png'));
    expect(paths.rendererDir).toBe(path.join(PACKAGED.appPath, 'out', 'renderer'));
    expect(paths.preloadPath).toBe(path.join(PACKAGED.appPath, 'out', 'preload', 'index.cjs'));
  });

  it('honours OMNISIGHT_DATA_DIR and OMNISIGHT_RECORDINGS_DIR, made absolute', () => {
    const paths = resolveShellPaths({
      ...PACKAGED,
      env: { OMNISIGHT_DATA_DIR: ' /srv/nvr ', OMNISIGHT_RECORDINGS_DIR: '/mnt/footage' },
    });
    expect(paths.dataDir).toBe(path.resolve('/srv/nvr'));
    expect(paths.logDir).toBe(path.join(path.resolve('/srv/nvr'), 'logs'));
    expect(paths.recordingsDir).toBe(path.resolve('/mnt/footage'));
  });

  it('ignores empty overrides', () => {
    const paths = resolveShellPaths({
      ...DEV,
      env: { OMNISIGHT_DATA_DIR: '  ', OMNISIGHT_RECORDINGS_DIR: '' },
    });
    expect(paths.dataDir).toBe(DEV.defaultDataDir);
    expect(paths.recordingsDir).toBeUndefined();
  });
});

describe('start-up helpers', () => {
  it('starts hidden when launched at login', () => {
    expect(shouldStartHidden(['/opt/OmniSight/omnisight', '--hidden'], false)).toBe(true);
    expect(shouldStartHidden(['/Applications/OmniSight.app/Contents/MacOS/OmniSight'], true)).toBe(true);
    expect(shouldStartHidden(['/opt/OmniSight/omnisight'], false)).toBe(false);
  });

  it('offers login items on macOS and Windows only', () => {
    expect(supportsLoginItems('darwin')).toBe(true);
    expect(supportsLoginItems('win32')).toBe(true);
    expect(supportsLoginItems('linux')).toBe(false);
  });
});
