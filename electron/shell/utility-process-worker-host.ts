import path from 'node:path';
import type { Logger, WorkerHost, WorkerProcess } from '../engine/ports.js';
import {
  DEFAULT_KILL_GRACE_MS,
  SupervisedWorker,
  type WorkerChild,
} from '../engine/workers/supervised-worker.js';
import {
  forwardWorkerOutput,
  workerEnvironment,
  type OutputStream,
} from '../engine/workers/worker-output.js';

/** The part of Electron's `UtilityProcess` the host uses; unit tests pass an EventEmitter-based fake. */
export interface UtilityChild {
  readonly pid: number | undefined;
  readonly stdout: OutputStream | null;
  readonly stderr: OutputStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
}

/** The options this host passes to `utilityProcess.fork`. */
export interface UtilityForkOptions {
  env: Record<string, string>;
  execArgv: string[];
  serviceName: string;
  stdio: 'pipe';
}

/** `utilityProcess.fork` as the host calls it. */
export type UtilityFork = (modulePath: string, args: string[], options: UtilityForkOptions) => UtilityChild;

/** Options of the Electron worker host. */
export interface UtilityProcessWorkerHostOptions {
  /** Electron's `utilityProcess.fork` (only callable after `app` is ready). */
  fork: UtilityFork;
  /** Folder that relative entries resolve against, normally `<app>/out/workers` (inside the asar is fine). */
  workersDir: string;
  logger: Logger;
  killGraceMs?: number;
  /** Sends SIGKILL to a pid; defaults to `process.kill`. UtilityProcess.kill() only ever sends SIGTERM. */
  killPid?: (pid: number, signal: 'SIGKILL') => void;
  baseEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * `WorkerHost` inside Electron: each worker is a `utilityProcess` (a Node process the app's sandbox and crash
 * reporting know about, and the only way to run Node children once the runAsNode fuse is off).
 */
export class UtilityProcessWorkerHost implements WorkerHost {
  readonly #options: UtilityProcessWorkerHostOptions;

  constructor(options: UtilityProcessWorkerHostOptions) {
    this.#options = options;
  }

  start(entry: string, options: { name?: string; env?: Record<string, string> } = {}): WorkerProcess {
    const modulePath = path.resolve(this.#options.workersDir, entry);
    const name = options.name ?? path.basename(entry).replace(/\.[cm]?js$/, '');
    const child = this.#options.fork(modulePath, [], {
      env: workerEnvironment(this.#options.baseEnv ?? process.env, options.env),
      // No inherited --inspect or --require: the worker is a built file and needs none of our flags.
      execArgv: [],
      // Shown in the OS task manager next to the app's other processes.
      serviceName: `OmniSight ${name}`,
      stdio: 'pipe',
    });
    let logger = this.#options.logger.child({ component: 'worker', worker: name });
    // The pid exists only from 'spawn' on; everything logs through this forwarder so later lines carry it.
    const log: Logger = {
      debug: (fields, message) => logger.debug(fields, message),
      info: (fields, message) => logger.info(fields, message),
      warn: (fields, message) => logger.warn(fields, message),
      error: (fields, message) => logger.error(fields, message),
      child: (bindings) => logger.child(bindings),
    };
    const killPid = this.#options.killPid ?? ((pid: number, signal: 'SIGKILL') => process.kill(pid, signal));
    const worker = new SupervisedWorker(utilityChild(child, killPid, log), {
      killGraceMs: this.#options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      logger: log,
    });
    forwardWorkerOutput(child.stdout, child.stderr, log);
    child.on('spawn', () => {
      logger = this.#options.logger.child({ component: 'worker', worker: name, pid: child.pid });
      logger.info({ entry: modulePath }, 'worker started');
    });
    child.on('message', (message) => worker.notifyMessage(message));
    child.on('error', (type, location) => log.error({ type, location }, 'worker hit a fatal V8 error'));
    child.on('exit', (code) => {
      // utilityProcess reports a number even when a signal ended the process; it cannot say which signal.
      log.info({ code }, 'worker exited');
      worker.notifyExit(code);
    });
    return worker;
  }
}

function utilityChild(
  child: UtilityChild,
  killPid: (pid: number, signal: 'SIGKILL') => void,
  logger: Logger,
): WorkerChild {
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      try {
        child.postMessage(message);
      } catch (error) {
        // postMessage throws for values structured clone refuses (functions, class instances with natives).
        logger.warn({ err: error }, 'could not send a message to the worker');
      }
    },
    terminate() {
      child.kill();
    },
    forceKill() {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        killPid(pid, 'SIGKILL');
      } catch (error) {
        // ESRCH: it ended between our check and the signal, which is what we wanted.
        logger.debug({ err: error }, 'SIGKILL found no process');
      }
    },
  };
}
