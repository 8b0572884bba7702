// errors.js, not the contract index: the index builds every zod schema at load, which the preload never needs.
import { isApiError } from '../../common/contract/errors.js';
import type { Outcome } from '../../common/contract/index.js';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  SUBSCRIBE_CHANNEL,
  type InvokeRequest,
  type OmniSightBridge,
  type SubscribeRequest,
} from './ipc-channels.js';

/** The slice of Electron's `ipcRenderer` the bridge uses; tests pass a fake. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function isOutcome(value: unknown): value is Outcome<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return candidate.ok === true ? 'value' in candidate : candidate.ok === false && isApiError(candidate.error);
}

/**
 * Builds `window.omnisight`. Only plain data and our own closures cross to the page: never `ipcRenderer`, and
 * listeners get the payload alone, never Electron's IPC event (its `sender` would hand the page raw IPC).
 */
export function createBridge(ipcRenderer: IpcRendererLike): OmniSightBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let announced = '';

  // Tells the main process which events to send; only when the set changed, and never failing the caller
  // (a refused subscription just means no events arrive, which the main process logs).
  function announce(): void {
    const events = [...listeners.keys()].sort();
    const key = events.join('\n');
    if (key === announced) return;
    announced = key;
    const request: SubscribeRequest = { events };
    ipcRenderer.invoke(SUBSCRIBE_CHANNEL, request).catch(() => undefined);
  }

  ipcRenderer.on(EVENT_CHANNEL, (_event, name, payload) => {
    if (typeof name !== 'string') return;
    const set = listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        // Surface it in the devtools console without keeping the next listener from its event.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  });

  const bridge: OmniSightBridge = {
    async invoke(method, argument) {
      const request: InvokeRequest = { method, argument };
      const outcome = await ipcRenderer.invoke(INVOKE_CHANNEL, request);
      if (isOutcome(outcome)) return outcome;
      return {
        ok: false,
        error: { code: 'internal', message: `The main process sent a malformed answer to ${method}.` },
      };
    },
    subscribe(event, listener) {
      if (typeof event !== 'string' || typeof listener !== 'function') {
        throw new TypeError('subscribe(event, listener) needs an event name and a function');
      }
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      // Wrapped, so the same function subscribed twice gets two independent subscriptions.
      const entry = (payload: unknown): void => listener(payload);
      set.add(entry);
      announce();
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const current = listeners.get(event);
        current?.delete(entry);
        if (current?.size === 0) listeners.delete(event);
        announce();
      };
    },
  };
  return Object.freeze(bridge);
}
