/**
 * Ports: what the engine needs from its environment, named for what they do. `createEngine(options)` receives
 * implementations; nothing in the engine reaches for globals.
 */
import type { EventName, EventPayload } from '../../common/contract/index.js';

/** Wall clock in UTC epoch milliseconds; tests pass a fake one. */
export interface Clock {
  now(): number;
  /**
   * Milliseconds on a clock that never jumps (for timeouts, watchdogs, rates). Falls back to `now()` where
   * absent, which suits fake clocks in tests.
   */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** The monotonic reading of a clock (see `Clock.monotonic`). */
export function monotonicOf(clock: Clock): () => number {
  return clock.monotonic === undefined ? () => clock.now() : () => clock.monotonic?.() ?? clock.now();
}

/** A structured logger (pino-compatible subset). Bindings carry `component` and `cameraId`. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: { component?: string; cameraId?: string; [key: string]: unknown }): Logger;
}

/** A worker process as the engine sees it, identical under Electron's utilityProcess and Node's fork. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
  /** Called once when the process ends, with its exit code (null when killed by a signal). */
  onExit(listener: (code: number | null) => void): () => void;
  kill(): void;
  /** Resolves true when the process exited within `ms`, false otherwise (then escalate). */
  waitForExit(ms: number): Promise<boolean>;
}

/** Starts worker processes from a built entry file (`workers/*.ts` compiled to `out/workers/*.js`). */
export interface WorkerHost {
  start(entry: string, options?: { name?: string; env?: Record<string, string> }): WorkerProcess;
}

/** The engine as transports see it: one call entry (validating) and one event stream. */
export interface EngineApi {
  /**
   * Validates `argument` against the contract and runs the method. Rejects with `ContractError` (unknown method,
   * invalid argument, not found, ...); transports turn rejections into plain `ApiError` data with `toApiError`.
   */
  call(method: string, argument: unknown): Promise<unknown>;
  /** Subscribes to one contract event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Subscribes to every contract event (used by transports that forward everything). */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void;
}

/** Which of a camera's streams a live viewer asks for; `sub` falls back to `main` when there is none. */
export type LiveStreamKind = 'main' | 'sub';

/** Where one live viewer's media goes (a WebSocket, an IPC channel). */
export interface LiveSink {
  /** The stream (re)starts: its MSE type with codecs, the stream actually served, and the init segment. */
  init(mime: string, stream: LiveStreamKind, data: Buffer): void;
  /** One fragment (a buffer of its own); false when the viewer's buffer is full (it then skips to a keyframe). */
  fragment(data: Buffer): boolean;
  /** No more media: the camera was removed or the engine stops. */
  close(reason: string, retry: boolean): void;
}

/** Live fMP4 for viewers: opening checks the camera id and the stream (throws `ContractError`). */
export interface LiveApi {
  open(cameraId: unknown, stream: unknown, sink: LiveSink): () => void;
}
