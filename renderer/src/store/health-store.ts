import { createStore, type StoreApi } from 'zustand/vanilla';
import { RemoteError, type CameraHealth, type EventPayload } from '../../../common/contract/index.js';
import type { ClientTransport } from '../transport/client-transport.js';

/** How often `cameras.health` is asked while a page shows it (and the window is visible). */
export const HEALTH_REFRESH_MS = 3000;

export interface HealthState {
  /** The last figures per camera id; statuses are patched by `cameras.statusChanged` in between. */
  byId: Readonly<Record<string, CameraHealth>>;
  /** Local clock (`Date.now()`) when the figures arrived, so ages can advance between polls. */
  receivedAt: number | null;
  /** Why the last poll failed; cleared by the next good one. */
  error: string | null;
  /**
   * Polls while at least one watcher holds it and the document is visible; answers the release. Pages call it
   * from an effect, so leaving the page (or hiding the window) stops the traffic.
   */
  watch: () => () => void;
  refresh: () => Promise<void>;
}

export type HealthStore = StoreApi<HealthState>;

type StatusChanged = EventPayload<'cameras.statusChanged'>;

function applyStatus(byId: Readonly<Record<string, CameraHealth>>, event: StatusChanged) {
  const current = byId[event.id];
  // A camera the last poll did not know gets its figures with the next one.
  if (current === undefined) return byId;
  return {
    ...byId,
    [event.id]: {
      ...current,
      status: event.status,
      statusReason: event.reason,
      nextAttemptAt: event.nextAttemptAt,
    },
  };
}

function describe(error: unknown): string {
  return error instanceof RemoteError || error instanceof Error ? error.message : String(error);
}

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** Recording health of every camera, polled while someone looks at it. One store per transport. */
export function createHealthStore(transport: ClientTransport): HealthStore {
  let watchers = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  let unsubscribers: (() => void)[] = [];
  let generation = 0;
  let inFlight = false;
  // Status events that arrive while a poll is in flight are replayed onto its answer, which may predate them.
  let pending: StatusChanged[] | null = null;

  return createStore<HealthState>()((set, get) => {
    async function refresh(): Promise<void> {
      const mine = ++generation;
      const replay = (pending ??= []);
      inFlight = true;
      try {
        const list = await transport.invoke('cameras.health', {});
        if (mine !== generation) return;
        const fresh: Record<string, CameraHealth> = {};
        for (const health of list) fresh[health.id] = health;
        set({ byId: replay.reduce(applyStatus, fresh), receivedAt: Date.now(), error: null });
      } catch (error) {
        if (mine !== generation) return;
        set({ error: describe(error) });
      } finally {
        if (mine === generation) {
          inFlight = false;
          pending = null;
        }
      }
    }

    function stopPolling(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    }

    function startPolling(): void {
      if (timer !== null || !isVisible()) return;
      void refresh();
      timer = setInterval(() => {
        // A slow engine gets no second question before it answered the first.
        if (!inFlight) void refresh();
      }, HEALTH_REFRESH_MS);
    }

    function onVisibility(): void {
      if (isVisible()) startPolling();
      else stopPolling();
    }

    function begin(): void {
      unsubscribers = [
        transport.subscribe('cameras.statusChanged', (event) => {
          pending?.push(event);
          set({ byId: applyStatus(get().byId, event) });
        }),
        transport.subscribe('cameras.removed', ({ id }) => {
          if (get().byId[id] === undefined) return;
          set({ byId: Object.fromEntries(Object.entries(get().byId).filter(([key]) => key !== id)) });
        }),
        transport.onResync(() => void refresh()),
      ];
      document.addEventListener('visibilitychange', onVisibility);
      startPolling();
    }

    function end(): void {
      for (const unsubscribe of unsubscribers) unsubscribe();
      unsubscribers = [];
      document.removeEventListener('visibilitychange', onVisibility);
      stopPolling();
      // An answer still on its way is not wanted any more.
      generation++;
      inFlight = false;
      pending = null;
    }

    return {
      byId: {},
      receivedAt: null,
      error: null,
      watch() {
        watchers++;
        if (watchers === 1) begin();
        let released = false;
        return () => {
          if (released) return;
          released = true;
          watchers--;
          if (watchers === 0) end();
        };
      },
      refresh,
    };
  });
}
