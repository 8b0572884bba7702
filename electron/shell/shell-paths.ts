import path from 'node:path';

/** What the shell knows about where it runs, read from Electron's `app` and `process` in `main.ts`. */
export interface ShellEnvironment {
  isPackaged: boolean;
  /** `app.getAppPath()`: the repository root in development, `.../resources/app.asar` when packaged. */
  appPath: string;
  /** `process.resourcesPath`: where electron-builder's extraResources land. */
  resourcesPath: string;
  /** `app.getPath('userData')` before any override: Chromium's profile, not OmniSight's data. */
  userDataPath: string;
  /**
   * The engine's per-user data folder, the same one `npm run server` uses (`defaultDataDir()`), so the desktop
   * app and the headless server on one machine share cameras and recordings.
   */
  defaultDataDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Every path the shell and the engine need, decided in one place. */
export interface ShellPaths {
  /** Database, settings and logs; `OMNISIGHT_DATA_DIR` overrides the per-user default. */
  dataDir: string;
  /** `OMNISIGHT_RECORDINGS_DIR`, or undefined so the engine picks its default under the data dir. */
  recordingsDir: string | undefined;
  logDir: string;
  /** drizzle's SQL migrations: shipped as an extraResource, read from the checkout in development. */
  migrationsDir: string;
  rendererDir: string;
  preloadPath: string;
  workersDir: string;
  trayIconPath: string;
}

function fromEnv(env: ShellEnvironment['env'], name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : path.resolve(value);
}

export function resolveShellPaths(environment: ShellEnvironment): ShellPaths {
  const { appPath, resourcesPath, isPackaged, env } = environment;
  const dataDir = fromEnv(env, 'OMNISIGHT_DATA_DIR') ?? environment.defaultDataDir;
  // extraResources are files on disk beside the asar; in development the same folders are in the checkout.
  const resourcesRoot = isPackaged ? resourcesPath : appPath;
  return {
    dataDir,
    recordingsDir: fromEnv(env, 'OMNISIGHT_RECORDINGS_DIR'),
    logDir: path.join(dataDir, 'logs'),
    migrationsDir: path.join(resourcesRoot, 'drizzle'),
    rendererDir: path.join(appPath, 'out', 'renderer'),
    preloadPath: path.join(appPath, 'out', 'preload', 'index.cjs'),
    workersDir: path.join(appPath, 'out', 'workers'),
    trayIconPath: path.join(resourcesRoot, 'resources', 'icons', 'tray.png'),
  };
}

/**
 * Launched at login the app starts in the tray without a window: Windows passes our `--hidden` argument,
 * macOS says so through `wasOpenedAtLogin`. Linux has no login-item API in Electron.
 */
export const START_HIDDEN_ARGUMENT = '--hidden';

export function shouldStartHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return wasOpenedAtLogin || argv.includes(START_HIDDEN_ARGUMENT);
}

/** `app.setLoginItemSettings` works on macOS and Windows only; the tray hides the toggle elsewhere. */
export function supportsLoginItems(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}
