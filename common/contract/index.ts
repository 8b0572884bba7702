/**
 * The API contract: every command (`domain.verb`, one argument) and every pushed event (`domain.pastTense`).
 * The engine implements it once (`electron/engine`); the IPC bridge, the HTTP + socket.io gateway and the fake
 * transport only decode, validate, call and encode errors. Adding a method here makes the typechecker ask
 * for its handler.
 */
import { z } from 'zod';
import {
  Camera,
  CameraAddInput,
  CameraHealth,
  CameraIdInput,
  CameraRemoveInput,
  CameraStatusChanged,
  CameraUpdateInput,
} from './cameras.js';
import { Export, ExportCreateInput, ExportId, ExportIdInput } from './exports.js';
import {
  EventIdInput,
  EventLockResult,
  LockedEvent,
  StorageLowSpace,
  StorageReconcileInput,
  StorageSettings,
  StorageSettingsInput,
  StorageStatus,
  RecordingFragments,
  RecordingFragmentsInput,
  RecordingSegments,
  RecordingSegmentsInput,
  TimelineDay,
  TimelineDayInput,
  TimelineDays,
  TimelineDaysInput,
} from './storage.js';
import { Health, NoArgument, SystemInfo } from './system.js';
import { StreamProbeInput, StreamProbeResult } from './streams.js';
import {
  OnvifConnectInput,
  OnvifConnectResult,
  OnvifDiscoverInput,
  OnvifDiscoverResult,
  OnvifDiscovered,
} from './onvif.js';
import { DetectionEvent, EventsListInput } from './events.js';
import { CameraSnapshot, DetectionSettings, DetectionSettingsInput } from './detection.js';
import { NotificationSettings, NotificationSettingsInput, NotificationStatus } from './notifications.js';
import {
  PtzDone,
  PtzGotoPresetInput,
  PtzInfo,
  PtzMoveInput,
  PtzPresetSaved,
  PtzSetPresetInput,
} from './ptz.js';
import { User, UserAddInput, UserIdInput, UserUpdateInput } from './users.js';
import { GatewaySettings, GatewaySettingsInput, GatewayStatus } from './gateway.js';

export * from './cameras.js';
export * from './errors.js';
export * from './exports.js';
export * from './onvif.js';
export * from './ptz.js';
export * from './events.js';
export * from './detection.js';
export * from './notifications.js';
export * from './storage.js';
export * from './streams.js';
export * from './system.js';
export * from './validation.js';
export * from './users.js';
export * from './access.js';
export * from './gateway.js';

/** A command: its argument schema, its result schema and a one-line summary (used for OpenAPI and docs). */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  summary: string;
}

function method<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  summary: string,
): MethodSpec<I, O> {
  return { input, output, summary };
}

export const methods = {
  'system.health': method(NoArgument, Health, 'Liveness: answers ok and the version.'),
  'system.info': method(NoArgument, SystemInfo, 'Version, uptime, data directory and database size.'),
  'cameras.list': method(NoArgument, z.array(Camera), 'All cameras, oldest first.'),
  'cameras.get': method(CameraIdInput, Camera, 'One camera by id.'),
  'cameras.add': method(CameraAddInput, Camera, 'Adds a camera; credentials are stored apart from the URL.'),
  'cameras.update': method(CameraUpdateInput, Camera, 'Changes the given fields of a camera.'),
  'cameras.health': method(NoArgument, z.array(CameraHealth), 'Recording health figures of every camera.'),
  'cameras.remove': method(
    CameraRemoveInput,
    z.object({ id: z.string(), recordings: z.literal('keep') }),
    'Removes a camera, keeping its recordings.',
  ),
  'streams.probe': method(
    StreamProbeInput,
    StreamProbeResult,
    'Probes a main (and sub) stream with ffprobe before saving: codecs, size, fps, keyframe interval, advice.',
  ),
  'onvif.discover': method(
    OnvifDiscoverInput,
    OnvifDiscoverResult,
    'Scans for ONVIF cameras (WS-Discovery multicast, plus unicast to typed addresses) for a few seconds; never connects to them. Devices are also pushed as onvif.discovered while the scan runs.',
  ),
  'onvif.connect': method(
    OnvifConnectInput,
    OnvifConnectResult,
    'Signs in to one ONVIF device the user chose and reads its information, profiles (Media2 when offered) and stream URLs.',
  ),
  'ptz.info': method(
    CameraIdInput,
    PtzInfo,
    'Whether the camera can pan, tilt or zoom (asked of its ONVIF device), and its presets.',
  ),
  'ptz.move': method(
    PtzMoveInput,
    PtzDone,
    'Starts a continuous pan/tilt/zoom; it ends on ptz.stop or after timeoutMs (default 2 s).',
  ),
  'ptz.stop': method(CameraIdInput, PtzDone, 'Stops pan, tilt and zoom.'),
  'ptz.gotoPreset': method(PtzGotoPresetInput, PtzDone, 'Moves the camera to a saved preset.'),
  'ptz.setPreset': method(
    PtzSetPresetInput,
    PtzPresetSaved,
    'Saves the current position as a preset (a new one, or over the given one).',
  ),
  'exports.create': method(
    ExportCreateInput,
    z.array(Export),
    'Queues one MP4 export per camera for a UTC range (stream copy, gaps skipped).',
  ),
  'exports.list': method(NoArgument, z.array(Export), 'All exports, newest first.'),
  'exports.cancel': method(
    ExportIdInput,
    Export,
    'Cancels a queued or running export; its partial file is removed.',
  ),
  'exports.delete': method(
    ExportIdInput,
    z.object({ id: ExportId }),
    'Deletes a finished export and its file.',
  ),
  'storage.status': method(
    NoArgument,
    StorageStatus,
    'Recordings root state, disk total/free, bytes used (from the index), per-camera footage and cleanup.',
  ),
  'storage.settings.get': method(
    NoArgument,
    StorageSettings,
    'Retention rules: global limits and per camera.',
  ),
  'storage.settings.set': method(
    StorageSettingsInput,
    StorageSettings,
    'Changes the given retention rules and runs a cleanup pass with them.',
  ),
  'storage.reconcile': method(
    StorageReconcileInput,
    StorageStatus,
    'Reconciles disk and index again (acceptLoss: even when more than half of the index would go).',
  ),
  'timeline.day': method(
    TimelineDayInput,
    TimelineDay,
    'Recorded coverage per camera in a UTC range, as merged contiguous spans.',
  ),
  'timeline.days': method(
    TimelineDaysInput,
    TimelineDays,
    'For each given interval (local days of a calendar), whether the cameras have any footage in it.',
  ),
  'recordings.segments': method(
    RecordingSegmentsInput,
    RecordingSegments,
    'The segment files of one camera overlapping a range (at most 26 h), for playback.',
  ),
  'recordings.fragments': method(
    RecordingFragmentsInput,
    RecordingFragments,
    'Where the init and each group of pictures of one segment file are (byte ranges, times), for playback.',
  ),
  'events.list': method(
    EventsListInput,
    z.array(DetectionEvent),
    'Detection events, newest first, filtered by camera, label, zone, time range and minimum score.',
  ),
  'events.lock': method(EventIdInput, EventLockResult, 'Locks an event: its footage survives retention.'),
  'events.unlock': method(EventIdInput, EventLockResult, 'Unlocks an event: retention rules apply again.'),
  'events.listLocked': method(
    NoArgument,
    z.array(LockedEvent),
    'Locked events, newest first (at most 1000), with the indexed footage each keeps.',
  ),
  'notifications.settings.get': method(
    NoArgument,
    NotificationSettings,
    'Desktop, MQTT and webhook notification settings (passwords and secrets are never returned).',
  ),
  'notifications.settings.set': method(
    NotificationSettingsInput,
    NotificationSettings,
    'Changes the given notification settings; the MQTT client reconnects with them.',
  ),
  'notifications.status': method(
    NoArgument,
    NotificationStatus,
    "MQTT connection state and counters, and each webhook's deliveries and last result.",
  ),
  'detection.settings.get': method(
    NoArgument,
    DetectionSettings,
    'Motion and object detection settings in effect: the global ones and every camera’s masks and zones.',
  ),
  'detection.settings.set': method(
    DetectionSettingsInput,
    DetectionSettings,
    'Changes the given detection settings (each camera given is replaced whole); applied at once.',
  ),
  'cameras.snapshot': method(
    CameraIdInput,
    CameraSnapshot,
    'A still of a camera (the first frame of its newest recorded segment) to draw masks and zones over.',
  ),
  'users.list': method(NoArgument, z.array(User), 'Gateway accounts, oldest first (never their passwords).'),
  'users.add': method(UserAddInput, User, 'Adds a gateway account (admin or viewer with its cameras).'),
  'users.update': method(
    UserUpdateInput,
    User,
    "Changes an account's name, password, role or cameras; a new password or role ends its sessions.",
  ),
  'users.remove': method(
    UserIdInput,
    z.object({ id: z.string() }),
    'Removes an account and ends its sessions (never the last admin).',
  ),
  'gateway.settings.get': method(NoArgument, GatewaySettings, 'The LAN gateway switch (desktop app only).'),
  'gateway.settings.set': method(
    GatewaySettingsInput,
    GatewayStatus,
    'Switches the LAN gateway on or off, or moves it; answers how it runs now (desktop app only).',
  ),
  'gateway.status': method(
    NoArgument,
    GatewayStatus,
    "Whether the LAN gateway runs, its address, and this computer's addresses (desktop app only).",
  ),
} as const satisfies Record<string, MethodSpec>;

export const events = {
  'cameras.added': Camera,
  'cameras.updated': Camera,
  'cameras.removed': z.object({ id: z.string() }),
  'cameras.statusChanged': CameraStatusChanged,
  /** A device answered a running `onvif.discover` (once per device and scan). */
  'onvif.discovered': OnvifDiscovered,
  /** A detection event started, changed (better snapshot, new zone) or ended. */
  'events.created': DetectionEvent,
  'events.updated': DetectionEvent,
  'events.ended': DetectionEvent,
  'exports.added': Export,
  /** Status changes and progress (at most a few times a second while running). */
  'exports.updated': Export,
  'exports.removed': z.object({ id: ExportId }),
  /** The disk is under the floor or a write failed for lack of space; cleanup is running or could not help. */
  'storage.lowSpace': StorageLowSpace,
  /** The storage state changed (low space, stopped, root problem, back to ok, reconciliation). */
  'storage.statusChanged': StorageStatus,
} as const satisfies Record<string, z.ZodType>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;
/** What a caller passes (before defaults and trimming). */
export type MethodArgument<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives (after validation). */
export type MethodInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(methods, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

/** The engine's implementation of every method. Arguments arrive validated. */
export type Handlers = {
  [M in MethodName]: (input: MethodInput<M>) => Promise<MethodResult<M>>;
};

/** The result envelope that crosses IPC (Electron loses thrown error data, so errors travel as values). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: import('./errors.js').ApiError };

/**
 * How the renderer (or any client) reaches an engine: IPC in Electron, HTTP + socket.io in a browser, a handler
 * map in tests. `invoke` rejects with `RemoteError`.
 */
export interface Transport {
  invoke<M extends MethodName>(name: M, argument: MethodArgument<M>): Promise<MethodResult<M>>;
  subscribe<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}
export * from './remote-error.js';
