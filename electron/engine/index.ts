/**
 * `createEngine(options)`: the one composition root of the NVR engine (design.md). Every fact about the
 * environment (data dir, recordings dir, clock, logger, worker host) is passed in; nothing here imports
 * 'electron', so the same engine runs inside the desktop app and headless (`electron/server.ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ContractError,
  isMethodName,
  methods,
  parseArgument,
  type Handlers,
} from '../../common/contract/index.js';
import { createCameraService, sealLegacyCameraPasswords } from './cameras/camera-service.js';
import { createProbeService } from './cameras/probe-service.js';
import { createOnvifService } from './onvif/onvif-service.js';
import { createPtzService } from './onvif/ptz-service.js';
import { locateFfmpeg } from './ingest/ffmpeg-locate.js';
import { endLeftoverProcesses } from './ingest/pid-files.js';
import { nodeProcessRunner, type ProcessRunner } from './ingest/process-runner.js';
import { createRecordingManager, type RecordingManager } from './recording/recording-manager.js';
import { createStorageService, type StorageService } from './storage/storage-service.js';
import { ActivityWindows } from './storage/activity-windows.js';
import { createExportService, type ExportFile } from './storage/export-service.js';
import { createLeaseRegistry, type LeaseRegistry } from './storage/leases.js';
import { createVodService, type VodService } from './playback/vod-service.js';
import { createLiveService, type LiveService } from './live/live-service.js';
import { createEngineMotionService, type MotionService } from './detection/motion-service.js';
import { createEventStore } from './detection/event-store.js';
import { createObjectService, type ObjectService } from './detection/object-service.js';
import { createDetectionSettingsService } from './detection/detection-settings.js';
import { createCameraSnapshotService } from './detection/camera-snapshot.js';
import type { DetectorPoolOptions } from './detection/detector-pool.js';
import type { MotionConfig } from './detection/motion-config.js';
import { eq } from 'drizzle-orm';
import { openDatabase } from './db/open-database.js';
import { settings } from './db/schema.js';
import { createEventBus } from './events/event-bus.js';
import { createSilentLogger } from './logging/logger.js';
import { formatPrometheus, processMetrics, type Metric } from './metrics.js';
import { createAccountService, type AccountService } from './auth/account-service.js';
import type { ScryptParams } from './auth/passwords.js';
import { createNotificationService, type DesktopNotice } from './notifications/notification-service.js';
import { sealLegacyNotificationSecrets } from './notifications/notification-settings.js';
import { loadOrCreateKeyFile } from './secrets/key-file.js';
import { ensurePrivateFolder } from './secrets/private-files.js';
import { createSecretBox } from './secrets/secret-box.js';
import { sealLegacySecrets } from './secrets/seal-legacy.js';
import { systemClock, type Clock, type EngineApi, type Logger, type WorkerHost } from './ports.js';
import { startGateway } from './gateway/gateway.js';
import { createGatewayControl, type GatewayControl } from './gateway/gateway-control.js';

export type { EngineApi } from './ports.js';

export interface EngineOptions {
  /** Where the database, logs and keys live. Created (user-only) when missing. */
  dataDir: string;
  /**
   * The 32-byte key that seals stored passwords (the desktop app's, kept by Electron's safeStorage). Absent:
   * `<dataDir>/secret.key`, created on first start (secrets/README.md).
   */
  secretKey?: Buffer;
  /** Root of the recordings tree; defaults to `<dataDir>/recordings`. */
  recordingsDir?: string;
  /** Where clip exports are written; defaults to `<dataDir>/exports` (outside the recordings tree). */
  exportsDir?: string;
  /** The committed drizzle migrations folder. */
  migrationsDir: string;
  version: string;
  logger?: Logger;
  clock?: Clock;
  workerHost?: WorkerHost;
  /** Record enabled cameras (default true); unit tests of the API turn it off. */
  record?: boolean;
  /** FFmpeg path from settings; discovery falls back to OMNISIGHT_FFMPEG, ffmpeg-static, PATH. */
  ffmpegPath?: string | null;
  runner?: ProcessRunner;
  /** FFmpeg read timeout and stall watchdog, shortened by tests. */
  readTimeoutMs?: number;
  stallMs?: number;
  /** How often storage checks free space and the root marker (default 5 s), shortened by tests. */
  freeSpaceCheckMs?: number;
  /** The recording modes' trim: how often it runs and how long a segment settles first (tests shorten them). */
  trimIntervalMs?: number;
  trimSettleMs?: number;
  /** Clip exports copy media no faster than this (bytes per second); unlimited by default. */
  exportMaxBytesPerSecond?: number;
  /** Motion detection settings over the stored `detection.motion` row (off by default; tests turn it on). */
  motion?: Partial<MotionConfig>;
  /** The shipped detector model; default `<folder of migrationsDir>/resources/models/nanodet`. */
  modelDir?: string;
  /** Detector pool settings (size, backend, restart delay), for tests and benchmarks. */
  detectorPool?: Partial<Omit<DetectorPoolOptions, 'workerHost' | 'modelDir' | 'logger'>>;
  /** ONVIF discovery: the probe port (3702) and multicast on loopback, changed by tests with a simulator. */
  onvif?: { discoveryPort?: number; includeLoopback?: boolean; timeoutMs?: number };
  /** Shows a desktop notice (the Electron shell's `Notification`); headless, browsers show their own. */
  desktopNotifier?: (notice: DesktopNotice) => void;
  /** Tests shorten the webhook retries and the MQTT reconnect period. */
  notifications?: { webhookRetryDelaysMs?: readonly number[]; mqttReconnectPeriodMs?: number };
  /**
   * The desktop app's LAN gateway: the engine keeps its switch (`gateway.settings.*`) and runs it, serving the
   * built renderer from `staticDir`. Absent (headless, tests): `npm run server` runs the gateway itself.
   */
  gateway?: { staticDir: string };
  /** Gateway accounts: tests lower the scrypt cost and shorten sessions and lockouts. */
  accounts?: {
    scrypt?: ScryptParams;
    sessionIdleMs?: number;
    sessionMaxMs?: number;
    lockout?: { freeTries?: number; baseLockMs?: number; maxLockMs?: number };
  };
}

export interface Engine extends EngineApi {
  readonly dataDir: string;
  readonly recordingsDir: string;
  readonly databaseFile: string;
  /** Prometheus text for `GET /api/metrics`. */
  metrics(): string;
  /** Stops children and closes the database. Safe to call twice. */
  stop(): Promise<void>;
  readonly recording: RecordingManager;
  /** Retention, disk-full handling, the root check and the day timeline; `storage.leases` is the engine's lease registry. */
  readonly storage: StorageService;
  /** Leases on segments held by running playback and exports; retention skips leased segments. */
  readonly segmentLeases: LeaseRegistry;
  /** A finished export's file by id, for the gateway's download route (throws `ContractError`). */
  exportFile(id: unknown): ExportFile;
  /** An event's snapshot or thumbnail JPEG path, for the gateway (throws `ContractError`). */
  eventSnapshot(id: unknown, kind: 'snapshot' | 'thumbnail', canSee?: (cameraId: string) => boolean): string;
  /** HLS for other players: playlists and segment files for the gateway's media routes. */
  readonly vod: VodService;
  /** Live fMP4 for viewers (the gateway's WebSocket, the desktop app's IPC). */
  readonly live: LiveService;
  /** Motion detection on decoded frames in a worker process (detection/README.md). */
  readonly motion: MotionService;
  /** Object detection, tracking and detection events on top of motion (detection/README.md). */
  readonly objects: ObjectService;
  /** Resolves once no export is queued or running (tests and benchmarks). */
  exportsIdle(): Promise<void>;
  /** Gateway accounts and sessions (the gateway signs requests in with it). */
  readonly accounts: AccountService;
}

export const DATABASE_FILE_NAME = 'omnisight.db';

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createSilentLogger();
  const dataDir = path.resolve(options.dataDir);
  const recordingsDir = path.resolve(options.recordingsDir ?? path.join(dataDir, 'recordings'));
  // Config, DB and logs are the user's alone (camera credentials live in the DB).
  const looseMode = ensurePrivateFolder(dataDir);
  if (looseMode !== null) {
    logger.warn(
      { component: 'engine', dataDir },
      `The data folder is open to other users (mode ${looseMode}); the files OmniSight keeps in it are its owner's only, but consider chmod 700 on the folder`,
    );
  }
  const databaseFile = path.join(dataDir, DATABASE_FILE_NAME);
  const startedAt = clock.now();

  const secrets = createSecretBox(options.secretKey ?? loadOrCreateKeyFile(dataDir, logger));
  const database = await openDatabase({
    file: databaseFile,
    migrationsDir: options.migrationsDir,
    logger,
    clock,
  });
  for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]) {
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  }
  sealLegacySecrets(
    database.sqlite,
    [
      () => sealLegacyCameraPasswords(database.db, secrets),
      () => sealLegacyNotificationSecrets(database.db, secrets, clock.now()),
    ],
    logger,
  );
  const events = createEventBus(logger);
  const accounts = await createAccountService({
    db: database.db,
    clock,
    logger,
    ...options.accounts,
  });
  const cameraService = createCameraService({ db: database.db, clock, events, logger, secrets });

  // The settings row `ffmpegPath` (a JSON string) wins over discovery; an option passed in wins over both.
  const stored = database.db.select().from(settings).where(eq(settings.key, 'ffmpegPath')).get()?.value;
  const settingsPath =
    options.ffmpegPath ?? (typeof stored === 'string' && stored.trim() !== '' ? stored : null);
  const ffmpeg = await locateFfmpeg({ settingsPath });
  if (settingsPath !== null && !('problem' in ffmpeg) && ffmpeg.source !== 'settings') {
    logger.warn(
      { component: 'engine', settingsPath },
      'The FFmpeg set in settings does not run; using the one found instead',
    );
  }
  const ffmpegInfo = 'problem' in ffmpeg ? null : ffmpeg;
  const ffmpegProblem = 'problem' in ffmpeg ? ffmpeg.problem : null;
  if (ffmpegInfo === null) logger.error({ component: 'engine' }, ffmpegProblem ?? 'FFmpeg is not available');
  else
    logger.info(
      { component: 'engine', ffmpeg: ffmpegInfo.ffmpegPath, version: ffmpegInfo.version },
      'Using FFmpeg',
    );
  const recording = createRecordingManager({
    db: database.db,
    cameras: cameraService,
    recordingsDir,
    ffmpegPath: ffmpegInfo?.ffmpegPath ?? null,
    ffmpegProblem,
    runner: options.runner ?? nodeProcessRunner,
    clock,
    logger,
    ...(options.readTimeoutMs === undefined ? {} : { readTimeoutMs: options.readTimeoutMs }),
    ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
    pidDir: path.join(dataDir, 'run'),
    afterRepair: () => storage.reconcileAtStart(),
    onWriteError: (cameraId, error) => storage.writeFailed(cameraId, error),
  });
  // One registry for the whole engine: exports and the segment route (playback) acquire, retention checks.
  const segmentLeases = createLeaseRegistry();
  const exportService = createExportService({
    db: database.db,
    recordingsDir,
    exportsDir: path.resolve(options.exportsDir ?? path.join(dataDir, 'exports')),
    leases: segmentLeases,
    events,
    clock,
    logger,
    ...(options.exportMaxBytesPerSecond === undefined
      ? {}
      : { maxBytesPerSecond: options.exportMaxBytesPerSecond }),
  });
  exportService.start();
  // What detection watched and saw, for the motion and events recording modes (storage/README.md).
  const activity = new ActivityWindows();
  const storage = createStorageService({
    db: database.db,
    sqlite: database.sqlite,
    recordingsDir,
    clock,
    logger,
    events,
    leases: segmentLeases,
    recording: () => recording,
    ...(options.freeSpaceCheckMs === undefined ? {} : { freeSpaceCheckMs: options.freeSpaceCheckMs }),
    activity,
    ...(options.trimIntervalMs === undefined ? {} : { trimIntervalMs: options.trimIntervalMs }),
    ...(options.trimSettleMs === undefined ? {} : { trimSettleMs: options.trimSettleMs }),
  });
  // Before any recorder: a root that is missing or not ours blocks recording (and the crash repair).
  storage.checkRootAtStart();
  const recordingEnabled = options.record ?? true;
  if (recordingEnabled) {
    await endLeftoverProcesses(path.join(dataDir, 'run'), logger);
    recording.start();
    storage.start();
    for (const event of ['cameras.added', 'cameras.updated'] as const) {
      events.on(event, (camera) => void recording.sync(camera.id));
    }
    events.on('cameras.removed', ({ id }) => void recording.sync(id));
  }

  const probes = createProbeService({ ffprobePath: ffmpegInfo?.ffprobePath ?? null, logger });
  const onvif = createOnvifService({
    cameras: cameraService,
    events,
    logger,
    ...options.onvif,
  });
  const ptz = createPtzService({
    cameras: cameraService,
    events,
    clock,
    logger,
    ...(options.onvif?.timeoutMs === undefined ? {} : { timeoutMs: options.onvif.timeoutMs }),
  });
  const vod = createVodService({ db: database.db, recordingsDir, logger, leases: segmentLeases });
  const live = createLiveService({ cameras: cameraService, recording, events, logger });
  const motion = createEngineMotionService({
    db: database.db,
    cameras: cameraService,
    recording,
    events,
    workerHost: options.workerHost,
    overrides: options.motion,
    clock,
    logger,
  });
  const eventStore = createEventStore({
    db: database.db,
    dataDir,
    ffmpegPath: ffmpegInfo?.ffmpegPath ?? null,
    events,
    logger,
  });
  motion.onMotion((update) =>
    activity.frame(update.cameraId, update.at, {
      motion: update.boxes.length > 0,
      objectsWatched: update.rgb !== undefined,
    }),
  );
  events.on('cameras.removed', ({ id }) => activity.forget(id));
  const objects = createObjectService({
    motion,
    onUnchecked: (cameraId, at) => activity.doubt(cameraId, at),
    store: eventStore,
    workerHost: options.workerHost,
    modelDir:
      options.modelDir ?? path.join(path.dirname(options.migrationsDir), 'resources', 'models', 'nanodet'),
    ...(options.detectorPool === undefined ? {} : { pool: options.detectorPool }),
    logger,
    now: () => clock.now(),
  });
  const detectionSettings = createDetectionSettingsService({
    db: database.db,
    cameraIds: () => cameraService.list().map((camera) => camera.id),
    motion,
    now: () => clock.now(),
  });
  const stills = createCameraSnapshotService({
    db: database.db,
    recordingsDir,
    ffmpegPath: ffmpegInfo?.ffmpegPath ?? null,
    leases: segmentLeases,
    logger,
  });
  const notifications = createNotificationService({
    db: database.db,
    cameras: cameraService,
    events,
    logger,
    version: options.version,
    now: () => clock.now(),
    secrets,
    ...(options.desktopNotifier === undefined ? {} : { desktop: options.desktopNotifier }),
    ...options.notifications,
  });
  notifications.start();
  if (recordingEnabled) {
    motion.start();
    objects.start();
  }

  const handlers: Handlers = {
    'system.health': () => Promise.resolve({ status: 'ok', version: options.version }),
    'system.info': () =>
      Promise.resolve({
        version: options.version,
        startedAt,
        uptimeMs: clock.now() - startedAt,
        dataDir,
        recordingsDir,
        databaseBytes: fileSize(databaseFile) + fileSize(`${databaseFile}-wal`),
        nodeVersion: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
        cameraCount: cameraService.count(),
        ffmpeg:
          ffmpegInfo === null
            ? null
            : { path: ffmpegInfo.ffmpegPath, version: ffmpegInfo.version, source: ffmpegInfo.source },
        ffmpegProblem,
      }),
    'cameras.health': () => Promise.resolve(recording.health()),
    'cameras.list': () => Promise.resolve(cameraService.list()),
    'cameras.get': (input) => Promise.resolve(cameraService.get(input)),
    'cameras.add': (input) => Promise.resolve(cameraService.add(input)),
    'cameras.update': (input) => Promise.resolve(cameraService.update(input)),
    'cameras.remove': (input) => Promise.resolve(cameraService.remove(input)),
    'cameras.snapshot': async (input) => stills.snapshot(cameraService.get(input).id),
    'detection.settings.get': () => Promise.resolve(detectionSettings.get()),
    'detection.settings.set': (input) => Promise.resolve(detectionSettings.set(input)),
    'streams.probe': (input) => probes.probe(input),
    'onvif.discover': (input) => onvif.discover(input),
    'onvif.connect': (input) => onvif.connect(input),
    'ptz.info': (input) => ptz.info(input),
    'ptz.move': (input) => ptz.move(input),
    'ptz.stop': (input) => ptz.stop(input),
    'ptz.gotoPreset': (input) => ptz.gotoPreset(input),
    'ptz.setPreset': (input) => ptz.setPreset(input),
    'storage.status': () => Promise.resolve(storage.status()),
    'storage.settings.get': () => Promise.resolve(storage.settings()),
    'storage.settings.set': (input) => Promise.resolve(storage.setSettings(input)),
    'storage.reconcile': (input) => storage.reconcile(input),
    'timeline.day': (input) => Promise.resolve(storage.timelineDay(input)),
    'timeline.days': (input) => Promise.resolve(storage.timelineDays(input)),
    'recordings.segments': (input) => Promise.resolve(storage.segments(input)),
    'recordings.fragments': (input) => vod.fragments(input),
    'events.list': (input) => Promise.resolve(objects.list(input)),
    'events.lock': (input) => Promise.resolve(storage.setLocked(input.id, true)),
    'events.unlock': (input) => Promise.resolve(storage.setLocked(input.id, false)),
    'events.listLocked': () => Promise.resolve(storage.lockedEvents()),
    'notifications.settings.get': () => Promise.resolve(notifications.settings()),
    'notifications.settings.set': (input) => notifications.setSettings(input),
    'notifications.status': () => Promise.resolve(notifications.status()),
    'exports.create': (input) => Promise.resolve(exportService.create(input)),
    'exports.list': () => Promise.resolve(exportService.list()),
    'exports.cancel': (input) => exportService.cancel(input),
    'exports.delete': (input) => Promise.resolve(exportService.delete(input)),
    'users.list': () => Promise.resolve(accounts.list()),
    'users.add': (input) => accounts.add(input),
    'users.update': (input) => accounts.update(input),
    'users.remove': (input) => Promise.resolve(accounts.remove(input)),
    'gateway.settings.get': () => Promise.resolve(lanGateway().settings()),
    'gateway.settings.set': (input) => lanGateway().setSettings(input),
    'gateway.status': () => Promise.resolve(lanGateway().status()),
  };

  let gatewayControl: GatewayControl | null = null;
  function lanGateway(): GatewayControl {
    if (gatewayControl === null)
      throw new ContractError(
        'unsupported',
        'This engine has no gateway switch: npm run server takes its gateway settings from the environment',
      );
    return gatewayControl;
  }

  let stopped = false;
  logger.info({ component: 'engine', dataDir, recordingsDir }, `Engine started (version ${options.version})`);

  const engine: Engine = {
    dataDir,
    recordingsDir,
    databaseFile,

    async call(method, argument) {
      if (stopped) throw new ContractError('unavailable', 'The engine is shutting down');
      if (!isMethodName(method))
        throw new ContractError('not_found', `Unknown method: ${method.slice(0, 64)}`);
      const input: unknown = parseArgument(methods[method].input, argument ?? {}, `argument for ${method}`);
      const handler = handlers[method] as (input: unknown) => Promise<unknown>;
      return handler(input);
    },

    on: events.on,
    onAny: events.onAny,

    metrics() {
      const engineMetrics: Metric[] = [
        {
          name: 'omnisight_build_info',
          help: 'Always 1; the version label says which build runs.',
          type: 'gauge',
          samples: [{ labels: { version: options.version }, value: 1 }],
        },
        {
          name: 'omnisight_uptime_seconds',
          help: 'Seconds since the engine started.',
          type: 'gauge',
          samples: [{ value: Math.round((clock.now() - startedAt) / 1000) }],
        },
        {
          name: 'omnisight_cameras',
          help: 'Configured cameras.',
          type: 'gauge',
          samples: [{ value: cameraService.count() }],
        },
        {
          name: 'omnisight_database_bytes',
          help: 'Size of the database file and its write-ahead log.',
          type: 'gauge',
          samples: [{ value: fileSize(databaseFile) + fileSize(`${databaseFile}-wal`) }],
        },
      ];
      return formatPrometheus([...processMetrics(), ...engineMetrics]);
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      // Network viewers go first, before anything they watch stops.
      await gatewayControl?.stop();
      // Viewers first, then children (their last fragments and rows land), then the database.
      live.stop();
      onvif.stop();
      await exportService.stop();
      await storage.stop();
      await recording.stop();
      // After the recorders: detaching a consumer from a running stream would restart its FFmpeg.
      // Open events end with the engine (their end is when it stopped), then the pool and the motion worker.
      await objects.stop();
      await motion.stop();
      // Last: the end messages of the events the detector just closed still go out.
      await notifications.stop();
      database.close();
      logger.info({ component: 'engine' }, 'Engine stopped');
    },

    recording,
    storage,
    segmentLeases,
    exportFile: (id) => exportService.file(id),
    eventSnapshot: (id, kind, canSee) => {
      const parsed =
        typeof id === 'string' && /^[1-9]\d{0,15}$/.test(id) ? Number(id) : typeof id === 'number' ? id : NaN;
      if (!Number.isSafeInteger(parsed) || parsed <= 0)
        throw new ContractError('validation', 'id: must be an event id');
      const cameraId = eventStore.cameraOf(parsed);
      // A viewer asking for another camera's event hears what an unknown event answers.
      if (cameraId !== undefined && canSee !== undefined && !canSee(cameraId))
        throw new ContractError('not_found', `Event ${parsed} has no ${kind}`);
      const file = eventStore.snapshotFile(parsed, kind);
      if (file === undefined) throw new ContractError('not_found', `Event ${parsed} has no ${kind}`);
      return file;
    },
    vod,
    live,
    motion,
    objects,
    exportsIdle: () => exportService.idle(),
    accounts,
  };

  if (options.gateway !== undefined) {
    const { staticDir } = options.gateway;
    gatewayControl = createGatewayControl({
      db: database.db,
      dataDir,
      logger,
      now: () => clock.now(),
      hasAdmin: () => accounts.list().some((user) => user.role === 'admin'),
      start: (choices) =>
        startGateway({
          engine,
          accounts,
          logger,
          version: options.version,
          staticDir,
          host: choices.host,
          port: choices.port,
          allowedHosts: choices.allowedHosts,
          ...(choices.tls === undefined ? {} : { tls: choices.tls }),
        }),
    });
    // Not awaited: a gateway that cannot start says so in its status; the engine runs regardless.
    void gatewayControl.start();
  }
  return engine;
}
