import { createStore, type StoreApi } from 'zustand/vanilla';
import { RemoteError, type StorageLowSpace, type StorageStatus } from '../../../common/contract/index.js';
import type { ClientTransport } from '../transport/client-transport.js';

/**
 * How often `storage.status` is asked while the Storage page shows. The engine pushes `storage.statusChanged`
 * only when the state changes (ok, low space, stopped, root problem); free and used bytes move in between.
 */
export const STORAGE_REFRESH_MS = 5000;

export interface StorageStoreState {
  /** The last status, from a poll or a push; null until the first arrives. */
  status: StorageStatus | null;
  /** Why the last request failed; cleared by the next status. */
  error: string | null;
  /**
   * The last `storage.lowSpace` push, kept until a status newer than it says the state is `ok` again (a push
   * can arrive before the status that goes with it).
   */
  lowSpace: StorageLowSpace | null;
  /** Loads the status once and follows `storage.statusChanged` / `storage.lowSpace` until `stop()`. */
  start: () => void;
  stop: () => void;
  /** Polls every few seconds while at least one watcher holds it and the document is visible. */
  watch: () => () => void;
  refresh: () => Promise<void>;
  /** `storage.reconcile`; answers the status after it. */
  reconcile: (acceptLoss: boolean) => Promise<StorageStatus>;
}

export type StorageStore = StoreApi<StorageStoreState>;

function describe(error: unknown): string {
  return error instanceof RemoteError || error instanceof Error ? error.message : String(error);
}

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** The storage status the banner and the Storage page share. One store per transport. */
export function createStorageStore(transport: ClientTransport): StorageStore {
  let unsubscribers: (() => void)[] = [];
  let watchers = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  let generation = 0;
  let inFlight = false;

  return createStore<StorageStoreState>()((set) => {
    /** Accepts a status at least as new as everything seen so far. */
    function accept(status: StorageStatus): void {
      set({ status, error: null, ...(status.state === 'ok' ? { lowSpace: null } : {}) });
    }

    async function refresh(): Promise<void> {
      const mine = ++generation;
      inFlight = true;
      try {
        const status = await transport.invoke('storage.status', {});
        if (mine === generation) accept(status);
      } catch (error) {
        if (mine === generation) set({ error: describe(error) });
      } finally {
        if (mine === generation) inFlight = false;
      }
    }

    /** A push is newer than any answer still on its way: that answer is dropped. */
    function supersede(): void {
      generation++;
      inFlight = false;
    }

    function stopPolling(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    }

    function startPolling(): void {
      if (timer !== null || watchers === 0 || !isVisible()) return;
      void refresh();
      timer = setInterval(() => {
        if (!inFlight) void refresh();
      }, STORAGE_REFRESH_MS);
    }

    function onVisibility(): void {
      if (isVisible()) startPolling();
      else stopPolling();
    }

    return {
      status: null,
      error: null,
      lowSpace: null,
      start() {
        if (unsubscribers.length > 0) return;
        unsubscribers = [
          transport.subscribe('storage.statusChanged', (status) => {
            supersede();
            accept(status);
          }),
          transport.subscribe('storage.lowSpace', (event) => {
            supersede();
            set({ lowSpace: event });
            // The figures and the state that go with it.
            void refresh();
          }),
          transport.onResync(() => void refresh()),
        ];
        void refresh();
      },
      stop() {
        for (const unsubscribe of unsubscribers) unsubscribe();
        unsubscribers = [];
        supersede();
      },
      watch() {
        watchers++;
        if (watchers === 1) {
          document.addEventListener('visibilitychange', onVisibility);
          startPolling();
        }
        let released = false;
        return () => {
          if (released) return;
          released = true;
          watchers--;
          if (watchers === 0) {
            document.removeEventListener('visibilitychange', onVisibility);
            stopPolling();
          }
        };
      },
      refresh,
      async reconcile(acceptLoss) {
        const status = await transport.invoke('storage.reconcile', { acceptLoss });
        supersede();
        accept(status);
        return status;
      },
    };
  });
}

/** Why the banner shows, or null when storage needs no attention. */
export type StorageAlertKind = 'stopped_full' | 'root_problem' | 'low_space' | 'reconcile_refused';

export function alertKindOf(state: Pick<StorageStoreState, 'status' | 'lowSpace'>): StorageAlertKind | null {
  const { status, lowSpace } = state;
  if (status?.state === 'root_problem') return 'root_problem';
  if (status?.state === 'stopped_full' || lowSpace?.reason === 'nothing_deletable') return 'stopped_full';
  if (status?.state === 'low_space' || lowSpace !== null) return 'low_space';
  if (status?.reconcile?.refused === true) return 'reconcile_refused';
  return null;
}
