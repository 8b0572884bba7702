import type { Clock, Logger } from '../engine/ports.js';

/** How long quitting waits for the engine to close recordings and the database before giving up. */
export const SHUTDOWN_TIMEOUT_MS = 15_000;

/** Options of `createQuitCoordinator`; `main.ts` passes Electron's `app.quit` / `app.exit`. */
export interface QuitCoordinatorOptions {
  /** Stops everything that must end cleanly (the engine, the power-save blocker). */
  stop: () => Promise<void>;
  /** Quits normally once stopping is done (`app.quit`; `before-quit` fires again and is let through). */
  quit: () => void;
  /** Leaves at once with an exit code when stopping failed or hung (`app.exit`). */
  exit: (code: number) => void;
  logger: Logger;
  timeoutMs?: number;
}

/** The quit state machine of the shell. */
export interface QuitCoordinator {
  /** True from the first quit request on: window `close` stops hiding to the tray. */
  readonly quitting: boolean;
  /** The `before-quit` handler: holds the quit until `stop()` has finished (or timed out). */
  onBeforeQuit(event: { preventDefault(): void }): void;
}

/**
 * Electron does not wait for promises in `before-quit`, so the first quit is held (`preventDefault`), the
 * engine is stopped, and the quit is issued again. A hung engine cannot keep the app alive: after `timeoutMs`
 * the process exits with code 1.
 */
export function createQuitCoordinator(options: QuitCoordinatorOptions): QuitCoordinator {
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  const timeoutMs = options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;

  async function stopWithin(): Promise<'stopped' | 'failed' | 'timed out'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    try {
      return await Promise.race([options.stop().then(() => 'stopped' as const), timeout]);
    } catch (error) {
      options.logger.error({ err: error }, 'stopping the engine failed');
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get quitting() {
      return state !== 'running';
    },
    onBeforeQuit(event) {
      if (state === 'stopped') return;
      event.preventDefault();
      if (state === 'stopping') return;
      state = 'stopping';
      options.logger.info({}, 'quitting: stopping the engine');
      void stopWithin().then((result) => {
        state = 'stopped';
        if (result === 'stopped') {
          options.logger.info({}, 'engine stopped; quitting');
          options.quit();
          return;
        }
        if (result === 'timed out')
          options.logger.error({ timeoutMs }, 'the engine did not stop in time; exiting');
        options.exit(1);
      });
    },
  };
}

/**
 * Whether to reload the window after its renderer crashed. A crash that repeats right after each reload would
 * otherwise loop forever, so at most `maxReloads` within `windowMs`; after that the window stays as it is and
 * the log says why (recording goes on in the main process either way).
 */
export function createCrashReloadPolicy(
  clock: Clock,
  maxReloads = 3,
  windowMs = 60_000,
): (reason: string) => boolean {
  const reloads: number[] = [];
  return (reason) => {
    // The renderer ended on purpose (window closing, app quitting): nothing to recover.
    if (reason === 'clean-exit') return false;
    const now = clock.now();
    while (reloads.length > 0 && now - (reloads[0] ?? now) >= windowMs) reloads.shift();
    if (reloads.length >= maxReloads) return false;
    reloads.push(now);
    return true;
  };
}
