import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL, APP_SCHEME_PRIVILEGES } from './app-protocol.js';
import { secureWebPreferences } from './security.js';
import { UtilityProcessWorkerHost } from './utility-process-worker-host.js';

// Electron cannot run here, so this drives main.ts against a stand-in 'electron' module and checks the wiring:
// what is registered before ready, what the window gets, and the quit sequence. The rules themselves are
// tested in their own modules.

interface FakeEvent {
  prevented: boolean;
  preventDefault: () => void;
}
function event(): FakeEvent {
  const created: FakeEvent = {
    prevented: false,
    preventDefault: () => {
      created.prevented = true;
    },
  };
  return created;
}

const fake = await vi.hoisted(async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const state = {
    gotLock: true,
    userData: '',
    appPath: '',
    readyResolve: (): void => undefined,
  };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    getPath: vi.fn(() => state.userData),
    setPath: vi.fn(),
    getAppPath: () => state.appPath,
    getVersion: () => '0.1.0-test',
    requestSingleInstanceLock: vi.fn(() => state.gotLock),
    whenReady: () => new Promise<void>((resolve) => (state.readyResolve = resolve)),
    quit: vi.fn(),
    exit: vi.fn(),
    getLoginItemSettings: vi.fn(() => ({ openAtLogin: false, wasOpenedAtLogin: false })),
    setLoginItemSettings: vi.fn(),
  });
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  class FakeWindow extends Emitter {
    readonly webContents = Object.assign(new Emitter(), { reload: vi.fn() });
    readonly show = vi.fn();
    readonly hide = vi.fn();
    readonly focus = vi.fn();
    readonly restore = vi.fn();
    readonly isMinimized = (): boolean => false;
    readonly isDestroyed = (): boolean => false;
    readonly loadURL = vi.fn(() => Promise.resolve());
    constructor(readonly options: { webPreferences?: unknown }) {
      super();
      windows.push(this);
    }
  }
  class FakeTray extends Emitter {
    readonly setToolTip = vi.fn();
    readonly setContextMenu = vi.fn();
    readonly destroy = vi.fn();
    constructor(readonly image: unknown) {
      super();
      trays.push(this);
    }
  }
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    dialog: { showErrorBox: vi.fn() },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (template: unknown) => ({ template }), setApplicationMenu: vi.fn() },
    nativeImage: { createFromPath: (file: string) => ({ file, resize: () => ({ file }) }) },
    powerSaveBlocker: { start: vi.fn(() => 7), stop: vi.fn(), isStarted: vi.fn(() => true) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (plain: string) => Buffer.from(`sealed:${plain}`),
      decryptString: (sealed: Buffer) => sealed.toString().replace(/^sealed:/, ''),
    },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    utilityProcess: { fork: vi.fn() },
  };
  const engine = {
    call: vi.fn(() => Promise.resolve([] as unknown)),
    on: vi.fn(() => () => undefined),
    onAny: vi.fn(() => () => undefined),
    stop: vi.fn(() => Promise.resolve()),
  };
  const createEngine = vi.fn((_options: unknown) => Promise.resolve(engine));
  return { state, electron, windows, trays, engine, createEngine };
});

vi.mock('electron', () => fake.electron);
vi.mock('../engine/index.js', () => ({ createEngine: fake.createEngine }));
// The real logger would print to the test output (stdout is on outside a packaged app).
vi.mock('../engine/logging/logger.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../engine/logging/logger.js')>();
  return { ...original, createLogger: () => ({ ...original.createSilentLogger(), close: () => undefined }) };
});

const { app, protocol, session, ipcMain, powerSaveBlocker, dialog } = fake.electron;
const flush = () => new Promise((resolve) => setTimeout(resolve, 10));

async function startMain(): Promise<void> {
  await import('./main.js');
}
async function startAndBeReady(): Promise<void> {
  await startMain();
  fake.state.readyResolve();
  await flush();
}

describe('main.ts wiring', () => {
  let dir: string;
  let signalListeners: Map<NodeJS.Signals, Array<(...args: unknown[]) => void>>;

  beforeEach(() => {
    vi.resetModules();
    vi.clearAllMocks();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-main-'));
    fake.state.userData = path.join(dir, 'user-data');
    fake.state.appPath = path.join(dir, 'app');
    fake.state.gotLock = true;
    fake.windows.length = 0;
    fake.trays.length = 0;
    app.removeAllListeners();
    fake.createEngine.mockImplementation(() => Promise.resolve(fake.engine));
    Object.defineProperty(process, 'resourcesPath', {
      value: path.join(dir, 'resources'),
      configurable: true,
    });
    vi.stubEnv('OMNISIGHT_DATA_DIR', path.join(dir, 'data'));
    signalListeners = new Map(
      (['SIGINT', 'SIGTERM'] as const).map((signal) => [
        signal,
        process.listeners(signal) as Array<() => void>,
      ]),
    );
  });

  afterEach(() => {
    // main.ts hooks SIGINT/SIGTERM; take those hooks off the test process again.
    for (const [signal, before] of signalListeners) {
      for (const listener of process.listeners(signal)) {
        if (!before.includes(listener as () => void)) process.off(signal, listener);
      }
    }
    vi.unstubAllEnvs();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers the app scheme before ready and moves userData with OMNISIGHT_DATA_DIR', async () => {
    await startMain();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: APP_SCHEME_PRIVILEGES },
    ]);
    expect(app.setPath).toHaveBeenCalledWith('userData', path.join(dir, 'data', 'chromium-profile'));
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(protocol.handle).not.toHaveBeenCalled();
  });

  it('a second instance quits and starts nothing', async () => {
    fake.state.gotLock = false;
    await startMain();
    expect(app.quit).toHaveBeenCalled();
    expect(app.listenerCount('before-quit')).toBe(0);
  });

  it('on ready: protocol, permissions, engine, bridge, power blocker, tray and one secure window', async () => {
    await startAndBeReady();

    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(session.defaultSession.setPermissionCheckHandler).toHaveBeenCalled();
    expect(fake.createEngine).toHaveBeenCalledWith(
      expect.objectContaining({
        dataDir: path.join(dir, 'data'),
        migrationsDir: path.join(fake.state.appPath, 'drizzle'),
        version: '0.1.0-test',
        // The engine keeps the LAN gateway switch and serves the same renderer on it.
        gateway: { staticDir: path.join(fake.state.appPath, 'out', 'renderer') },
      }),
    );
    // Compared by name: resetModules gives main.ts its own copy of the class.
    const options = fake.createEngine.mock.calls[0]?.[0] as { workerHost: object; secretKey: Buffer };
    expect(options.workerHost.constructor.name).toBe(UtilityProcessWorkerHost.name);
    // The data key comes sealed by safeStorage, kept beside the data.
    expect(options.secretKey).toHaveLength(32);
    expect(fs.readFileSync(path.join(dir, 'data', 'secret.key.safe'), 'utf8')).toBe(
      `sealed:${options.secretKey.toString('base64')}`,
    );
    expect(ipcMain.handle.mock.calls.map(([channel]: unknown[]) => channel)).toEqual([
      'omnisight:invoke',
      'omnisight:subscribe',
      'omnisight:live-open',
      'omnisight:live-close',
      'omnisight:segment',
    ]);
    expect(powerSaveBlocker.start).toHaveBeenCalledWith('prevent-app-suspension');
    expect(fake.trays).toHaveLength(1);
    expect(fake.trays[0]!.setToolTip).toHaveBeenCalledWith('OmniSight: No cameras');

    expect(fake.windows).toHaveLength(1);
    const window = fake.windows[0]!;
    expect(window.options.webPreferences).toEqual(
      secureWebPreferences(path.join(fake.state.appPath, 'out', 'preload', 'index.cjs')),
    );
    expect(window.loadURL).toHaveBeenCalledWith(APP_ENTRY_URL);
  });

  it('hardens every webContents the app creates', async () => {
    await startMain();
    const contents = Object.assign(new EventEmitter(), {
      getURL: () => APP_ENTRY_URL,
      setWindowOpenHandler: vi.fn(),
    });
    app.emit('web-contents-created', event(), contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
    const navigation = Object.assign(event(), { url: 'https://evil.example/' });
    contents.emit('will-navigate', navigation);
    expect(navigation.prevented).toBe(true);
  });

  it('closing the window hides it; Quit stops the engine, then quits, and the window may close', async () => {
    await startAndBeReady();
    const window = fake.windows[0]!;

    const close = event();
    window.emit('close', close);
    expect(close.prevented).toBe(true);
    expect(window.hide).toHaveBeenCalled();
    expect(app.listenerCount('window-all-closed')).toBe(1);

    const quit = event();
    app.emit('before-quit', quit);
    expect(quit.prevented).toBe(true);
    await flush();
    expect(fake.engine.stop).toHaveBeenCalledOnce();
    expect(powerSaveBlocker.stop).toHaveBeenCalledWith(7);
    expect(fake.trays[0]!.destroy).toHaveBeenCalled();
    expect(app.quit).toHaveBeenCalledOnce();

    const again = event();
    app.emit('before-quit', again);
    expect(again.prevented).toBe(false);
    const finalClose = event();
    window.emit('close', finalClose);
    expect(finalClose.prevented).toBe(false);
  });

  it('a second instance brings the window back', async () => {
    await startAndBeReady();
    app.emit('second-instance', event(), [], dir);
    expect(fake.windows[0]!.show).toHaveBeenCalled();
    expect(fake.windows[0]!.focus).toHaveBeenCalled();
  });

  it('an engine that cannot start: error box and exit 1, no window', async () => {
    fake.createEngine.mockImplementation(() => Promise.reject(new Error('database is locked')));
    await startAndBeReady();
    expect(dialog.showErrorBox).toHaveBeenCalledWith(
      'OmniSight could not start',
      expect.stringContaining('database is locked'),
    );
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(fake.windows).toHaveLength(0);
  });
});
