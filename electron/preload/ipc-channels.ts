/**
 * Every IPC channel between the preload and the shell, with its payloads. The main side is
 * `electron/shell/ipc-bridge.ts`, the renderer side `electron/preload/bridge.ts`; nothing else uses IPC.
 */
import type { Outcome } from '../../common/contract/index.js';

/** `ipcRenderer.invoke(INVOKE, InvokeRequest)` answers an `Outcome` (never rejects for a method error). */
export const INVOKE_CHANNEL = 'omnisight:invoke';
/** `ipcRenderer.invoke(SUBSCRIBE, SubscribeRequest)` answers an `Outcome<null>`. */
export const SUBSCRIBE_CHANNEL = 'omnisight:subscribe';
/** Main to renderer: `webContents.send(EVENT, name, payload)` for each event the page subscribed to. */
export const EVENT_CHANNEL = 'omnisight:event';

/** One contract call. */
export interface InvokeRequest {
  method: string;
  argument: unknown;
}

/**
 * The complete set of events the page listens to; each request replaces the previous one, so messages that
 * cross in flight cannot leave a stale subscription behind.
 */
export interface SubscribeRequest {
  events: string[];
}

/**
 * What the preload exposes as `window.omnisight`, and nothing more. The renderer's IPC transport
 * (`renderer/src/transport/ipc-transport.ts`) declares the same shape.
 */
export interface OmniSightBridge {
  invoke(method: string, argument: unknown): Promise<Outcome<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}
