import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  RemoteError,
  type EventName,
  type EventPayload,
  type Export,
  type ExportCreateInput,
} from '../../../../common/contract/index.js';
import type { ClientTransport } from '../../transport/client-transport.js';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export interface ExportsState {
  /** Newest first, as `exports.list` answers. */
  exports: Export[];
  loadState: LoadState;
  loadError: string | null;
  /** Loads the list and follows `exports.*` events (progress included) until `stop()`. */
  start: () => void;
  stop: () => void;
  reload: () => Promise<void>;
  create: (input: ExportCreateInput) => Promise<Export[]>;
  cancel: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
}

export type ExportsStore = StoreApi<ExportsState>;

type ExportEventName = Extract<EventName, `exports.${string}`>;
type ExportEvent = { [E in ExportEventName]: { name: E; payload: EventPayload<E> } }[ExportEventName];

const EXPORT_EVENTS = [
  'exports.added',
  'exports.updated',
  'exports.removed',
] as const satisfies readonly ExportEventName[];

const STATUS_ORDER: Record<Export['status'], number> = {
  queued: 0,
  running: 1,
  done: 2,
  failed: 2,
  cancelled: 2,
};

function newestFirst(left: Export, right: Export): number {
  return right.createdAt - left.createdAt || right.id.localeCompare(left.id);
}

/** Adds or replaces one export. A late copy never moves an export back (running after done). */
function upsert(list: Export[], exported: Export): Export[] {
  const existing = list.find((candidate) => candidate.id === exported.id);
  if (existing === undefined) return [...list, exported].sort(newestFirst);
  if (STATUS_ORDER[existing.status] > STATUS_ORDER[exported.status]) return list;
  if (existing.status === exported.status && existing.progress > exported.progress) return list;
  return list.map((candidate) => (candidate === existing ? exported : candidate));
}

/** Applies one pushed event; idempotent, so replays and a call's own answer may both arrive. */
export function applyExportEvent(list: Export[], event: ExportEvent): Export[] {
  switch (event.name) {
    case 'exports.added':
    case 'exports.updated':
      return upsert(list, event.payload);
    case 'exports.removed':
      return list.filter((exported) => exported.id !== event.payload.id);
  }
}

function describe(error: unknown): string {
  return error instanceof RemoteError || error instanceof Error ? error.message : String(error);
}

/** The export list, kept live by the engine's events. One store per page mount (no module singletons). */
export function createExportsStore(transport: ClientTransport): ExportsStore {
  let unsubscribers: (() => void)[] = [];
  let generation = 0;
  let pending: ExportEvent[] | null = null;

  return createStore<ExportsState>()((set, get) => {
    function onEvent(event: ExportEvent): void {
      pending?.push(event);
      set({ exports: applyExportEvent(get().exports, event) });
    }

    async function reload(): Promise<void> {
      const mine = ++generation;
      const replay = (pending ??= []);
      if (get().loadState !== 'ready') set({ loadState: 'loading', loadError: null });
      try {
        const listed = await transport.invoke('exports.list', {});
        if (mine !== generation) return;
        pending = null;
        set({ exports: replay.reduce(applyExportEvent, [...listed].sort(newestFirst)), loadState: 'ready' });
      } catch (error) {
        if (mine !== generation) return;
        pending = null;
        set({ loadState: 'error', loadError: describe(error) });
      }
    }

    return {
      exports: [],
      loadState: 'idle',
      loadError: null,
      start() {
        if (unsubscribers.length > 0) return;
        unsubscribers = [
          ...EXPORT_EVENTS.map((name) =>
            transport.subscribe(name, (payload: EventPayload<typeof name>) =>
              onEvent({ name, payload } as ExportEvent),
            ),
          ),
          transport.onResync(() => void reload()),
        ];
        void reload();
      },
      stop() {
        for (const unsubscribe of unsubscribers) unsubscribe();
        unsubscribers = [];
        generation++;
        pending = null;
      },
      reload,
      async create(input) {
        const created = await transport.invoke('exports.create', input);
        set({ exports: created.reduce(upsert, get().exports) });
        return created;
      },
      async cancel(id) {
        const cancelled = await transport.invoke('exports.cancel', { id });
        set({ exports: upsert(get().exports, cancelled) });
      },
      async remove(id) {
        await transport.invoke('exports.delete', { id });
        set({ exports: get().exports.filter((exported) => exported.id !== id) });
      },
    };
  });
}
