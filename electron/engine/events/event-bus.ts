/**
 * The engine's typed event stream. Every contract event passes through here and the transports forward it
 * (IPC to windows, socket.io to browsers). A throwing listener is logged and never breaks the emitter.
 */
import type { EventName, EventPayload } from '../../../common/contract/index.js';
import type { Logger } from '../ports.js';

type AnyListener = (event: EventName, payload: unknown) => void;

export interface EventBus {
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => () => void;
  onAny: (listener: AnyListener) => () => void;
}

export function createEventBus(logger: Logger): EventBus {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const anyListeners = new Set<AnyListener>();

  function guarded(event: EventName, run: () => void): void {
    try {
      run();
    } catch (error) {
      logger.error({ component: 'events', event, err: error }, `A listener of ${event} threw`);
    }
  }

  return {
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) guarded(event, () => listener(payload));
      for (const listener of anyListeners) guarded(event, () => listener(event, payload));
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    onAny(listener) {
      anyListeners.add(listener);
      return () => anyListeners.delete(listener);
    },
  };
}
