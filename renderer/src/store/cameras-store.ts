import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  RemoteError,
  type Camera,
  type CameraAddInput,
  type CameraUpdateInput,
  type EventName,
  type EventPayload,
} from '../../../common/contract/index.js';
import type { ClientTransport } from '../transport/client-transport.js';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export interface CamerasState {
  /** Oldest first, as `cameras.list` answers. */
  cameras: Camera[];
  loadState: LoadState;
  /** Why the last load failed, for the page to show. */
  loadError: string | null;
  /** Loads the list and keeps it in sync with the engine's camera events until `stop()`. */
  start: () => void;
  stop: () => void;
  /** Reloads the list (also done after the event stream reconnects). */
  reload: () => Promise<void>;
  add: (input: CameraAddInput) => Promise<Camera>;
  update: (input: CameraUpdateInput) => Promise<Camera>;
  /** Removes a camera and keeps its recordings (deleting them arrives with the storage issue). */
  remove: (id: string) => Promise<void>;
}

export type CamerasStore = StoreApi<CamerasState>;

type CameraEvent = { [E in CameraEventName]: { name: E; payload: EventPayload<E> } }[CameraEventName];
type CameraEventName = Extract<EventName, `cameras.${string}`>;

const CAMERA_EVENTS = [
  'cameras.added',
  'cameras.updated',
  'cameras.removed',
  'cameras.statusChanged',
] as const satisfies readonly CameraEventName[];

function byAge(left: Camera, right: Camera): number {
  return left.createdAt - right.createdAt || left.id.localeCompare(right.id);
}

/** Adds or replaces one camera; idempotent, so an event and a call's own result may both arrive. */
function upsert(cameras: Camera[], camera: Camera): Camera[] {
  const existing = cameras.find((candidate) => candidate.id === camera.id);
  if (existing === undefined) return [...cameras, camera].sort(byAge);
  // An older copy (a late event) never overwrites a newer one.
  if (existing.updatedAt > camera.updatedAt) return cameras;
  return cameras.map((candidate) => (candidate === existing ? camera : candidate));
}

/** Applies one pushed event to the list. Every case is idempotent, so replaying events is safe. */
export function applyCameraEvent(cameras: Camera[], event: CameraEvent): Camera[] {
  switch (event.name) {
    case 'cameras.added':
    case 'cameras.updated':
      return upsert(cameras, event.payload);
    case 'cameras.removed':
      return cameras.filter((camera) => camera.id !== event.payload.id);
    case 'cameras.statusChanged': {
      const { id, status, reason } = event.payload;
      return cameras.map((camera) =>
        camera.id === id ? { ...camera, status, statusReason: reason } : camera,
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof RemoteError || error instanceof Error ? error.message : String(error);
}

/**
 * The camera list, kept in sync with the engine: loaded once, then patched by `cameras.*` events, so a camera
 * added in another window or browser appears without a reload. One store per transport (no module singletons).
 */
export function createCamerasStore(transport: ClientTransport): CamerasStore {
  let unsubscribers: (() => void)[] = [];
  let loadGeneration = 0;
  // Events that arrive while a list is in flight are replayed onto its answer, which may predate them.
  let pending: CameraEvent[] | null = null;

  return createStore<CamerasState>()((set, get) => {
    function onEvent(event: CameraEvent): void {
      pending?.push(event);
      set({ cameras: applyCameraEvent(get().cameras, event) });
    }

    async function reload(): Promise<void> {
      const generation = ++loadGeneration;
      // Concurrent loads share one buffer; only the newest answer is applied.
      const replay = (pending ??= []);
      if (get().loadState !== 'ready') set({ loadState: 'loading', loadError: null });
      try {
        const listed = await transport.invoke('cameras.list', {});
        if (generation !== loadGeneration) return;
        const cameras = replay.reduce(applyCameraEvent, [...listed].sort(byAge));
        pending = null;
        set({ cameras, loadState: 'ready', loadError: null });
      } catch (error) {
        if (generation !== loadGeneration) return;
        pending = null;
        set({ loadState: 'error', loadError: describe(error) });
      }
    }

    return {
      cameras: [],
      loadState: 'idle',
      loadError: null,
      start() {
        if (unsubscribers.length > 0) return;
        unsubscribers = [
          ...CAMERA_EVENTS.map((name) =>
            transport.subscribe(name, (payload: EventPayload<typeof name>) =>
              onEvent({ name, payload } as CameraEvent),
            ),
          ),
          transport.onResync(() => void reload()),
        ];
        void reload();
      },
      stop() {
        for (const unsubscribe of unsubscribers) unsubscribe();
        unsubscribers = [];
        loadGeneration++;
        pending = null;
      },
      reload,
      async add(input) {
        const camera = await transport.invoke('cameras.add', input);
        set({ cameras: upsert(get().cameras, camera) });
        return camera;
      },
      async update(input) {
        const camera = await transport.invoke('cameras.update', input);
        set({ cameras: upsert(get().cameras, camera) });
        return camera;
      },
      async remove(id) {
        await transport.invoke('cameras.remove', { id, recordings: 'keep' });
        set({ cameras: get().cameras.filter((camera) => camera.id !== id) });
      },
    };
  });
}
