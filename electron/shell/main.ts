/**
 * Entry of the desktop app (bundled to out/shell/main.cjs). Wiring only: every rule it applies lives in a small
 * module beside it with its own tests (security.ts, app-protocol.ts, harden.ts, ipc-bridge.ts, lifecycle.ts,
 * tray-status.ts, menus.ts, shell-paths.ts, secret-key.ts). See README.md for the lifecycle and failure handling.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerSaveBlocker,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import { createEngine } from '../engine/index.js';
import { createLogger } from '../engine/logging/logger.js';
import { defaultDataDir } from '../engine/paths.js';
import { systemClock, type EngineApi, type LiveApi, type Logger } from '../engine/ports.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
} from './app-protocol.js';
import { hardenSession, hardenWebContents, schemeOf } from './harden.js';
import { registerIpcBridge, type IpcBridge } from './ipc-bridge.js';
import { createCrashReloadPolicy, createQuitCoordinator } from './lifecycle.js';
import { buildApplicationMenu, buildTrayMenu } from './menus.js';
import { loadSafeStorageKey } from './secret-key.js';
import { secureWebPreferences } from './security.js';
import {
  resolveShellPaths,
  shouldStartHidden,
  START_HIDDEN_ARGUMENT,
  supportsLoginItems,
} from './shell-paths.js';
import { summarizeCameras, trackCameraStates } from './tray-status.js';
import { UtilityProcessWorkerHost } from './utility-process-worker-host.js';

/** The engine as the shell uses it: the transport-facing API plus a clean stop. */
type ShellEngine = EngineApi & {
  stop(): Promise<void>;
  readonly live: LiveApi;
  readonly vod: { leaseSegment(cameraId: unknown, segmentId: unknown): { file: string; release(): void } };
  eventSnapshot(id: unknown, kind: 'snapshot' | 'thumbnail'): string;
};

// Must run before `ready`: only then can a custom scheme get standard/secure semantics.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

const userDataPath = app.getPath('userData');
const paths = resolveShellPaths({
  isPackaged: app.isPackaged,
  appPath: app.getAppPath(),
  resourcesPath: process.resourcesPath,
  userDataPath,
  defaultDataDir: defaultDataDir(),
  env: process.env,
});
// With OMNISIGHT_DATA_DIR the single-instance lock and Chromium's profile move along with the data, so two
// data directories are two independent instances (one per recording node under test).
if (process.env.OMNISIGHT_DATA_DIR?.trim())
  app.setPath('userData', path.join(paths.dataDir, 'chromium-profile'));

if (app.requestSingleInstanceLock()) {
  startShell();
} else {
  // Another instance owns the cameras and the database; it shows its window on 'second-instance'.
  app.quit();
}

function startShell(): void {
  // The engine's logger (redaction, rotation): one omnisight.log for shell and engine. A packaged app has no
  // terminal, so stdout only during development.
  // User-only, like the data dir: logs name cameras and hosts.
  fs.mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const rootLogger = createLogger({
    logDir: paths.logDir,
    stdout: !app.isPackaged,
    level: process.env.OMNISIGHT_LOG_LEVEL?.trim() || 'info',
  });
  const log = rootLogger.child({ component: 'shell' });
  log.info({ version: app.getVersion(), dataDir: paths.dataDir, packaged: app.isPackaged }, 'starting');

  let enginePromise: Promise<ShellEngine> | null = null;
  let bridge: IpcBridge | null = null;
  let stopTracking: (() => void) | null = null;
  let powerSaveBlockerId: number | null = null;
  let mainWindow: BrowserWindow | null = null;
  let tray: Tray | null = null;

  const quitCoordinator = createQuitCoordinator({
    logger: log,
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    async stop() {
      stopTracking?.();
      bridge?.dispose();
      // An engine still starting is waited for, so its database and FFmpeg children are closed, not orphaned.
      const engine = await enginePromise?.catch(() => null);
      await engine?.stop();
      if (powerSaveBlockerId !== null && powerSaveBlocker.isStarted(powerSaveBlockerId)) {
        powerSaveBlocker.stop(powerSaveBlockerId);
      }
      tray?.destroy();
    },
  });

  app.on('second-instance', () => showWindow());
  // macOS: a click on the dock icon while the window is hidden.
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => quitCoordinator.onBeforeQuit(event));
  app.on('quit', () => rootLogger.close());
  // Without this listener Electron quits when the last window closes; an NVR keeps recording without one.
  app.on('window-all-closed', () => undefined);
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, {
      openExternal: (url) => shell.openExternal(url),
      onBlocked: (what, url) => log.warn({ what, scheme: schemeOf(url) }, 'blocked'),
    }),
  );
  // A terminal's Ctrl+C, `kill`, a session logout: stop recording cleanly like the Quit menu does.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      log.error({ err: error }, 'start-up failed');
      const reason = error instanceof Error ? error.message : String(error);
      dialog.showErrorBox('OmniSight could not start', `${reason}\n\nDetails are in ${paths.logDir}.`);
      app.exit(1);
    });

  async function onReady(): Promise<void> {
    hardenSession(session.defaultSession);
    protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({
        rendererDir: paths.rendererDir,
        readFile: (filePath) => fs.promises.readFile(filePath),
        onError: (error) => log.error({ err: error }, 'could not serve an app:// file'),
        eventSnapshot: async (id, kind) => {
          if (enginePromise === null) throw new Error('The engine is not running');
          return (await enginePromise).eventSnapshot(id, kind);
        },
      }),
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(buildApplicationMenu(process.platform, app.isPackaged)));

    const workerHost = new UtilityProcessWorkerHost({
      fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
      workersDir: paths.workersDir,
      logger: rootLogger,
    });
    // After ready: only then can safeStorage reach the keyring.
    const secretKey = loadSafeStorageKey({ dataDir: paths.dataDir, safeStorage, logger: log });
    enginePromise = createEngine({
      dataDir: paths.dataDir,
      ...(secretKey === undefined ? {} : { secretKey }),
      recordingsDir: paths.recordingsDir,
      migrationsDir: paths.migrationsDir,
      version: app.getVersion(),
      logger: rootLogger,
      clock: systemClock,
      workerHost,
      // The LAN gateway (off until switched on under System → LAN access) serves this same renderer.
      gateway: { staticDir: paths.rendererDir },
      // The engine decides when (setting on, a new event, a cooldown per camera); the shell only shows it.
      desktopNotifier: (notice) => {
        if (!Notification.isSupported()) return;
        const shown = new Notification({ title: notice.title, body: notice.body, silent: false });
        shown.on('click', showWindow);
        shown.show();
      },
    });
    const engine = await enginePromise;
    if (quitCoordinator.quitting) return;

    bridge = registerIpcBridge({
      ipcMain,
      engine,
      logger: rootLogger,
      live: engine.live,
      leaseSegment: (cameraId, segmentId) => engine.vod.leaseSegment(cameraId, segmentId),
    });
    // Recording must go on with the screen locked or the lid closed; this keeps the OS from suspending us.
    powerSaveBlockerId = powerSaveBlocker.start('prevent-app-suspension');
    tray = createTray(engine, log);
    const hidden = shouldStartHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin);
    mainWindow = createMainWindow(!hidden, log);
    log.info({ hidden }, 'ready');
  }

  function showWindow(): void {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  }

  function createMainWindow(show: boolean, logger: Logger): BrowserWindow {
    const window = new BrowserWindow({
      width: 1280,
      height: 800,
      minWidth: 800,
      minHeight: 560,
      show: false,
      title: 'OmniSight',
      backgroundColor: '#101317',
      webPreferences: secureWebPreferences(paths.preloadPath),
    });
    window.once('ready-to-show', () => {
      if (show) window.show();
    });
    // Closing the window hides it: recording goes on, the tray brings it back or quits.
    window.on('close', (event) => {
      if (quitCoordinator.quitting) return;
      event.preventDefault();
      window.hide();
    });
    const shouldReload = createCrashReloadPolicy(systemClock);
    window.webContents.on('render-process-gone', (_event, details) => {
      logger.error({ reason: details.reason, exitCode: details.exitCode }, 'renderer process gone');
      if (!quitCoordinator.quitting && shouldReload(details.reason)) window.webContents.reload();
    });
    window
      .loadURL(APP_ENTRY_URL)
      .catch((error: unknown) => logger.error({ err: error }, 'could not load the UI'));
    return window;
  }

  function createTray(engine: ShellEngine, logger: Logger): Tray {
    let icon = nativeImage.createFromPath(paths.trayIconPath);
    // The macOS menu bar shows images at their size in points; 32 px would be twice the usual height.
    if (process.platform === 'darwin') icon = icon.resize({ width: 18, height: 18 });
    const created = new Tray(icon);
    const loginItemArgs = [START_HIDDEN_ARGUMENT];
    let summary = summarizeCameras([]);
    const render = (): void => {
      created.setToolTip(summary.tooltip);
      const openAtLogin = supportsLoginItems(process.platform)
        ? app.getLoginItemSettings({ args: loginItemArgs }).openAtLogin
        : null;
      const template = buildTrayMenu(
        { summary, openAtLogin },
        {
          open: showWindow,
          setOpenAtLogin: (enabled) => {
            app.setLoginItemSettings({ openAtLogin: enabled, args: loginItemArgs });
            render();
          },
          quit: () => app.quit(),
        },
      );
      created.setContextMenu(Menu.buildFromTemplate(template));
    };
    created.on('click', showWindow);
    render();
    stopTracking = trackCameraStates(
      engine,
      (states) => {
        summary = summarizeCameras(states.values());
        render();
      },
      (error) => logger.warn({ err: error }, 'tray could not read the camera list'),
    );
    return created;
  }
}
