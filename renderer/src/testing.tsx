/**
 * Helpers for renderer tests: a camera factory and a render of the whole app over a fake transport.
 * Imported only by `*.test.tsx`, so it never reaches the bundle.
 */
import { render, type RenderResult } from '@testing-library/react';
import {
  SEGMENT_SECONDS_DEFAULT,
  type Camera,
  type CameraHealth,
  type StorageStatus,
} from '../../common/contract/index.js';
import { ServicesProvider } from './app-context.js';
import { App, type SignedInAccount } from './App.js';
import { hrefFor, type RouteId } from './routes.js';
import { createCamerasStore, type CamerasStore } from './store/cameras-store.js';
import { createHealthStore, type HealthStore } from './store/health-store.js';
import { createStorageStore, type StorageStore } from './store/storage-store.js';
import { createFakeTransport, type FakeHandlers, type FakeTransport } from './transport/fake-transport.js';

let nextId = 1;

/** A valid camera as the engine would answer it; ids count up so each call gives a new camera. */
export function makeCamera(overrides: Partial<Camera> = {}): Camera {
  const serial = nextId++;
  return {
    id: `cam-${serial.toString(16).padStart(10, '0')}`,
    name: `Camera ${serial}`,
    rtspUrl: `rtsp://192.0.2.${serial}/stream1`,
    subStreamUrl: null,
    username: null,
    hasPassword: false,
    enabled: true,
    segmentSeconds: SEGMENT_SECONDS_DEFAULT,
    rtspTransport: 'tcp',
    recordMode: 'continuous',
    preRollSeconds: 5,
    postRollSeconds: 5,
    status: 'connecting',
    statusReason: null,
    onvif: null,
    onvifLinked: false,
    createdAt: 1_700_000_000_000 + serial,
    updatedAt: 1_700_000_000_000 + serial,
    ...overrides,
  };
}

/** Health figures of a camera that records steadily; override what a test is about. */
export function makeHealth(
  camera: Pick<Camera, 'id' | 'status' | 'statusReason'>,
  overrides: Partial<CameraHealth> = {},
): CameraHealth {
  return {
    id: camera.id,
    status: camera.status,
    statusReason: camera.statusReason,
    nextAttemptAt: null,
    inputFps: 15,
    bitrateKbps: 1234,
    lastSegmentAgeMs: 12_000,
    reconnectsLastHour: 0,
    bytesToday: 47_500_000,
    droppedFragments: 0,
    quarantinedSegments: 0,
    ffmpegCpuPct: 6.5,
    detectionDecode: null,
    ...overrides,
  };
}

/** A storage status of a healthy 500 GB disk half full of footage; override what a test is about. */
export function makeStorageStatus(overrides: Partial<StorageStatus> = {}): StorageStatus {
  return {
    recordingsDir: '/srv/omnisight/recordings',
    root: { state: 'ok', problem: null },
    state: 'ok',
    message: null,
    totalBytes: 500e9,
    freeBytes: 200e9,
    usedBytes: 250e9,
    floorBytes: 25e9,
    maxTotalBytes: null,
    daysRemaining: 12.5,
    cameras: [],
    lastCleanup: null,
    reconcile: null,
    ...overrides,
  };
}

export interface RenderedApp extends RenderResult {
  transport: FakeTransport;
  cameras: CamerasStore;
  health: HealthStore;
  storage: StorageStore;
}

/**
 * Renders the shell on `route` over a fake transport answering with `handlers`; as the desktop app (no
 * account) unless `account` names the gateway account signed in.
 */
export function renderApp(
  route: RouteId,
  handlers: Partial<FakeHandlers> = {},
  account?: SignedInAccount,
): RenderedApp {
  window.location.hash = hrefFor(route);
  const transport = createFakeTransport(handlers);
  const cameras = createCamerasStore(transport);
  const health = createHealthStore(transport);
  const storage = createStorageStore(transport);
  const result = render(
    <ServicesProvider services={{ transport, cameras, health, storage }}>
      <App {...(account === undefined ? {} : { account })} />
    </ServicesProvider>,
  );
  return { ...result, transport, cameras, health, storage };
}
