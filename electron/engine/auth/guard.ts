/**
 * The gateway's authorization of contract calls and pushed events (issue 8). `METHOD_ACCESS` says who may call
 * a method; for `viewer` methods this file says how the account's cameras limit it: the cameras an argument
 * names must all be visible, an optional camera list is narrowed to the visible ones, and lists in answers are
 * filtered. A camera outside the account answers exactly as one that does not exist (no enumeration), and
 * viewers never see stream URLs, user names of cameras or ONVIF addresses.
 */
import {
  ContractError,
  METHOD_ACCESS,
  isMethodName,
  methods,
  parseArgument,
  type Camera,
  type CameraHealth,
  type EventName,
  type Export,
  type MethodInput,
  type MethodResult,
  type User,
  type ViewerMethod,
} from '../../../common/contract/index.js';

/** What a signed-in caller may see. */
export interface Viewer {
  user: User;
  canSee(cameraId: string): boolean;
  /** The visible cameras, or null for all of them. */
  visible: readonly string[] | null;
}

export function viewerOf(user: User): Viewer {
  const visible = user.role === 'admin' ? null : user.cameraIds;
  const set = visible === null ? null : new Set(visible);
  return { user, visible, canSee: (id) => set === null || set.has(id) };
}

type Call = (method: string, argument: unknown) => Promise<unknown>;

interface Context<M extends ViewerMethod> {
  input: MethodInput<M>;
  argument: unknown;
  viewer: Viewer;
  /** Runs the method with the caller's argument (or a narrowed one). */
  call(argument?: unknown): Promise<MethodResult<M>>;
  engine: Call;
}

function notFound(cameraId: string): ContractError {
  return new ContractError('not_found', `No camera ${cameraId}`);
}

function need(viewer: Viewer, ...cameraIds: readonly string[]): void {
  for (const id of cameraIds) if (!viewer.canSee(id)) throw notFound(id);
}

/** Viewers see a camera's name and state (and `onvifLinked`, for PTZ), never how the engine reaches it. */
export function redactCamera(camera: Camera): Camera {
  return { ...camera, rtspUrl: '', subStreamUrl: null, username: null, hasPassword: false, onvif: null };
}

/** An optional camera list: each named one must be visible; absent, it becomes the visible ones. */
function narrowed(viewer: Viewer, argument: unknown, cameraIds: readonly string[] | undefined): unknown {
  if (cameraIds !== undefined) {
    need(viewer, ...cameraIds);
    return argument;
  }
  if (viewer.visible === null) return argument;
  return { ...(argument as object), cameraIds: [...viewer.visible] };
}

/** Throws `not_found` unless the export exists and its camera is visible (admins: any export). */
export async function exportVisible(engine: Call, viewer: Viewer, id: string): Promise<void> {
  if (viewer.visible === null) return;
  const list = (await engine('exports.list', {})) as Export[];
  const found = list.find((entry) => entry.id === id);
  if (found === undefined || !viewer.canSee(found.cameraId)) {
    throw new ContractError('not_found', `No export ${id}`);
  }
}

const VIEWER_RULES: { [M in ViewerMethod]: (context: Context<M>) => Promise<unknown> } = {
  'cameras.list': async (c) =>
    (await c.call()).filter((camera) => c.viewer.canSee(camera.id)).map(redactCamera),
  'cameras.get': async (c) => {
    need(c.viewer, c.input.id);
    return redactCamera(await c.call());
  },
  'cameras.health': async (c) =>
    (await c.call()).filter((health: CameraHealth) => c.viewer.canSee(health.id)),
  'cameras.snapshot': (c) => {
    need(c.viewer, c.input.id);
    return c.call();
  },
  'ptz.info': (c) => {
    need(c.viewer, c.input.id);
    return c.call();
  },
  'ptz.move': (c) => {
    need(c.viewer, c.input.id);
    return c.call();
  },
  'ptz.stop': (c) => {
    need(c.viewer, c.input.id);
    return c.call();
  },
  'ptz.gotoPreset': (c) => {
    need(c.viewer, c.input.id);
    return c.call();
  },
  'exports.create': (c) => {
    need(c.viewer, ...c.input.cameraIds);
    return c.call();
  },
  'exports.list': async (c) => (await c.call()).filter((entry) => c.viewer.canSee(entry.cameraId)),
  'exports.cancel': async (c) => {
    await exportVisible(c.engine, c.viewer, c.input.id);
    return c.call();
  },
  'exports.delete': async (c) => {
    await exportVisible(c.engine, c.viewer, c.input.id);
    return c.call();
  },
  'timeline.day': (c) => c.call(narrowed(c.viewer, c.argument, c.input.cameraIds)),
  'timeline.days': (c) => c.call(narrowed(c.viewer, c.argument, c.input.cameraIds)),
  'events.list': (c) => c.call(narrowed(c.viewer, c.argument, c.input.cameraIds)),
  'recordings.segments': (c) => {
    need(c.viewer, c.input.cameraId);
    return c.call();
  },
  'recordings.fragments': (c) => {
    need(c.viewer, c.input.cameraId);
    return c.call();
  },
};

/**
 * Calls `method` for `viewer` (null: not signed in) through `engine`, or throws `unauthorized` / `forbidden` /
 * `not_found`. Admins call everything unchanged, except that no account reaches a method the table lacks.
 */
export async function guardedCall(
  engine: Call,
  viewer: Viewer | null,
  method: string,
  argument: unknown,
): Promise<unknown> {
  if (!isMethodName(method)) throw new ContractError('not_found', `Unknown method: ${method.slice(0, 64)}`);
  const access = METHOD_ACCESS[method];
  if (access === 'public') return engine(method, argument);
  if (viewer === null) throw new ContractError('unauthorized', 'Sign in first');
  // The gateway's own switch is the desktop app's alone: nobody on the network widens what the network reaches.
  if (access === 'desktop')
    throw new ContractError('forbidden', `${method} is only available in the desktop app`);
  if (viewer.user.role === 'admin') return engine(method, argument);
  if (access === 'admin') throw new ContractError('forbidden', `${method} needs an admin account`);
  const name = method as ViewerMethod;
  const input = parseArgument(methods[name].input, argument ?? {}, `argument for ${name}`);
  // Each rule is typed for its own method; here the method is only known at run time.
  const rule = (
    VIEWER_RULES as unknown as Record<string, (context: Context<ViewerMethod>) => Promise<unknown>>
  )[name];
  if (rule === undefined) throw new ContractError('forbidden', `${method} needs an admin account`);
  return rule({
    input: input,
    argument: argument ?? {},
    viewer,
    call: (next) => engine(name, next ?? argument) as Promise<never>,
    engine,
  });
}

/** Who hears a pushed event: admins always; viewers of its camera when it has one (redacted for them). */
export function eventAudience(
  event: EventName,
  payload: unknown,
): { cameraId: string; forViewers: unknown } | 'admins' {
  const record = payload as Record<string, unknown>;
  switch (event) {
    case 'cameras.added':
    case 'cameras.updated':
      return { cameraId: String(record.id), forViewers: redactCamera(payload as Camera) };
    case 'cameras.removed':
    case 'cameras.statusChanged':
      return { cameraId: String(record.id), forViewers: payload };
    case 'events.created':
    case 'events.updated':
    case 'events.ended':
    case 'exports.added':
    case 'exports.updated':
      return { cameraId: String(record.cameraId), forViewers: payload };
    case 'exports.removed':
    case 'onvif.discovered':
    case 'storage.lowSpace':
    case 'storage.statusChanged':
      return 'admins';
  }
}
