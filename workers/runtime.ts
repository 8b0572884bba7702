/**
 * The worker side of the `WorkerHost` port. A worker calls `connectToHost()` once and talks through the result;
 * the same built file then runs under Electron's utilityProcess (messages on `process.parentPort`) and under
 * Node's `child_process.fork` (`process.send` / `process.on('message')`).
 */

/** A worker's link to the engine that started it. */
export interface HostConnection {
  /** Sends one structured-clonable message to the engine. */
  postMessage(message: unknown): void;
  /** Subscribes to messages from the engine; returns the unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** Electron's `process.parentPort` (utilityProcess only): messages arrive wrapped in a MessageEvent. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** The slice of `process` the runtime reads; tests pass a fake. */
export interface RuntimeProcess {
  parentPort?: ParentPortLike | undefined;
  send?: ((message: unknown) => boolean) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  exit(code?: number): void;
}

/** Thrown when the file was started directly (`node out/workers/x.cjs`) instead of by a WorkerHost. */
export class NotAWorkerError extends Error {
  constructor() {
    super(
      'This is an OmniSight worker; it must be started by the engine (utilityProcess or fork), not directly.',
    );
    this.name = 'NotAWorkerError';
  }
}

export function connectToHost(current: RuntimeProcess = process): HostConnection {
  const port = current.parentPort;
  if (port) {
    return {
      postMessage: (message) => port.postMessage(message),
      onMessage(listener) {
        const unwrap = (event: { data: unknown }): void => listener(event.data);
        port.on('message', unwrap);
        return () => port.off('message', unwrap);
      },
    };
  }
  if (!current.send) throw new NotAWorkerError();
  // When the engine dies without stopping us (crash, SIGKILL) the IPC channel closes; nobody is left to read
  // our results, so leave instead of running on as an orphan holding memory or a GPU.
  current.on('disconnect', () => current.exit(0));
  return {
    postMessage: (message) => {
      current.send?.(message);
    },
    onMessage(listener) {
      current.on('message', listener);
      return () => current.off('message', listener);
    },
  };
}
