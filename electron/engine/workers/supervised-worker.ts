import type { Logger, WorkerProcess } from '../ports.js';

/**
 * The few things a host must be able to do to one child process. `ForkWorkerHost` adapts a Node `ChildProcess`,
 * `UtilityProcessWorkerHost` an Electron `UtilityProcess`; everything else (exit once, waiting, escalation,
 * listener isolation) lives in `SupervisedWorker`, so both hosts behave the same.
 */
export interface WorkerChild {
  /** Undefined until the process has spawned (utilityProcess) or when it failed to spawn. */
  readonly pid: number | undefined;
  /** Delivers one message; drops it (and logs) when the channel is already closed. */
  send(message: unknown): void;
  /** Asks the process to stop (SIGTERM on POSIX). */
  terminate(): void;
  /** Ends the process now (SIGKILL on POSIX). */
  forceKill(): void;
}

/** How a `SupervisedWorker` stops its child and where it reports. */
export interface SupervisedWorkerOptions {
  /** How long `kill()` waits after SIGTERM before it sends SIGKILL. */
  killGraceMs: number;
  logger: Logger;
}

/** Default grace between SIGTERM and SIGKILL: a detector finishing one frame needs far less than this. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

/**
 * One worker process as the engine sees it. The host feeds it the child's messages and its exit through
 * `notifyMessage` / `notifyExit`; the engine only sees the `WorkerProcess` port.
 */
export class SupervisedWorker implements WorkerProcess {
  readonly #child: WorkerChild;
  readonly #options: SupervisedWorkerOptions;
  readonly #messageListeners = new Set<(message: unknown) => void>();
  readonly #exitListeners = new Set<(code: number | null) => void>();
  #exited = false;
  #exitCode: number | null = null;
  #terminateSent = false;

  constructor(child: WorkerChild, options: SupervisedWorkerOptions) {
    this.#child = child;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True once the process has ended. */
  get exited(): boolean {
    return this.#exited;
  }

  postMessage(message: unknown): void {
    // A message to a dead worker has nowhere to go; the exit listeners already tell the engine why.
    if (this.#exited) return;
    this.#child.send(message);
  }

  onMessage(listener: (message: unknown) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  onExit(listener: (code: number | null) => void): () => void {
    if (this.#exited) {
      // Registered too late to see the exit happen: still tell it once, but never synchronously inside onExit.
      let active = true;
      const code = this.#exitCode;
      queueMicrotask(() => {
        if (active) this.#callSafely(listener, code, 'exit');
      });
      return () => {
        active = false;
      };
    }
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /**
   * Sends SIGTERM, then SIGKILL when the process is still alive after `killGraceMs`. Calling it again while
   * the grace period runs escalates to SIGKILL at once (the caller has decided it cannot wait).
   */
  kill(): void {
    if (this.#exited) return;
    if (this.#terminateSent) {
      this.#forceKill('kill() called again');
      return;
    }
    this.#terminateSent = true;
    this.#options.logger.debug({ pid: this.pid }, 'stopping worker (SIGTERM)');
    this.#child.terminate();
    void this.waitForExit(this.#options.killGraceMs).then((exited) => {
      if (!exited) this.#forceKill(`still running ${this.#options.killGraceMs} ms after SIGTERM`);
    });
  }

  waitForExit(ms: number): Promise<boolean> {
    if (this.#exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#exitListeners.delete(onExit);
        resolve(false);
      }, ms);
      const onExit = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#exitListeners.add(onExit);
    });
  }

  /** Called by the host for every message the child sends. */
  notifyMessage(message: unknown): void {
    if (this.#exited) return;
    for (const listener of [...this.#messageListeners]) this.#callSafely(listener, message, 'message');
  }

  /** Called by the host when the child ends; later calls are ignored, so hosts may report from several events. */
  notifyExit(code: number | null): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#exitCode = code;
    const listeners = [...this.#exitListeners];
    this.#exitListeners.clear();
    this.#messageListeners.clear();
    for (const listener of listeners) this.#callSafely(listener, code, 'exit');
  }

  #forceKill(reason: string): void {
    if (this.#exited) return;
    this.#options.logger.warn({ pid: this.pid }, `killing worker (SIGKILL): ${reason}`);
    this.#child.forceKill();
  }

  // One throwing listener must neither starve the others nor surface as an uncaught exception in the host's
  // event emitter, which would take the whole engine down for a bug in one subscriber.
  #callSafely<T>(listener: (value: T) => void, value: T, kind: string): void {
    try {
      listener(value);
    } catch (error) {
      this.#options.logger.error({ pid: this.pid, err: error }, `worker ${kind} listener threw`);
    }
  }
}
