// errors.js, not the contract index: the index builds every zod schema at load, which the preload never needs.
import { isApiError } from '../../common/contract/errors.js';
import type { Outcome } from '../../common/contract/index.js';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  LIVE_CHANNEL,
  LIVE_CLOSE_CHANNEL,
  LIVE_OPEN_CHANNEL,
  SEGMENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  type InvokeRequest,
  type LiveMessage,
  type LiveOpenRequest,
  type OmniSightBridge,
  type SegmentRequest,
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
  const liveListeners = new Map<number, (message: LiveMessage) => void>();
  let nextLiveId = 1;
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

  ipcRenderer.on(LIVE_CHANNEL, (_event, id, message) => {
    if (typeof id !== 'number' || typeof message !== 'object' || message === null) return;
    const listener = liveListeners.get(id);
    if (listener === undefined) return;
    if ((message as LiveMessage).type === 'close') liveListeners.delete(id);
    listener(message as LiveMessage);
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
    openLive(cameraId, stream, listener) {
      if (typeof cameraId !== 'string' || typeof listener !== 'function') {
        throw new TypeError('openLive(cameraId, stream, listener) needs a camera id and a function');
      }
      const id = nextLiveId;
      nextLiveId += 1;
      liveListeners.set(id, (message) => listener(message));
      const request: LiveOpenRequest = { id, cameraId, stream: stream === 'main' ? 'main' : 'sub' };
      ipcRenderer.invoke(LIVE_OPEN_CHANNEL, request).then(
        (outcome) => {
          if (isOutcome(outcome) && !outcome.ok && liveListeners.delete(id)) {
            listener({
              type: 'close',
              reason: outcome.error.message,
              retry: outcome.error.code === 'unavailable',
            });
          }
        },
        () => {
          if (liveListeners.delete(id))
            listener({ type: 'close', reason: 'The engine did not answer.', retry: true });
        },
      );
      return () => {
        if (!liveListeners.delete(id)) return;
        ipcRenderer.invoke(LIVE_CLOSE_CHANNEL, { id }).catch(() => undefined);
      };
    },
    async segment(cameraId, segmentId, range) {
      // The page is not typechecked against this: anything may arrive.
      const given: unknown = range;
      if (given !== undefined && (typeof given !== 'object' || given === null)) {
        throw new TypeError('segment(cameraId, segmentId, range?) needs a range of { start, length }');
      }
      // Copied field by field, so only these two values cross; the main process validates them.
      const request: SegmentRequest =
        range === undefined
          ? { cameraId, segmentId }
          : { cameraId, segmentId, start: range.start, length: range.length };
      const outcome = await ipcRenderer.invoke(SEGMENT_CHANNEL, request);
      if (isOutcome(outcome)) return outcome as Awaited<ReturnType<OmniSightBridge['segment']>>;
      return {
        ok: false,
        error: { code: 'internal', message: 'The main process sent a malformed answer for a segment.' },
      };
    },
  };
  return Object.freeze(bridge);
}
