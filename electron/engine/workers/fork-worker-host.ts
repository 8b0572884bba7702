import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import path from 'node:path';
import type { Logger, WorkerHost, WorkerProcess } from '../ports.js';
import { DEFAULT_KILL_GRACE_MS, SupervisedWorker, type WorkerChild } from './supervised-worker.js';
import { forwardWorkerOutput, workerEnvironment } from './worker-output.js';

/** Options of the headless worker host. */
export interface ForkWorkerHostOptions {
  /** Folder that relative entries resolve against, normally `out/workers`. Absolute entries are used as given. */
  workersDir: string;
  logger: Logger;
  /** Grace between SIGTERM and SIGKILL; defaults to `DEFAULT_KILL_GRACE_MS`. */
  killGraceMs?: number;
  /** Node flags for the worker. Defaults to none, so a debugger flag of ours never reaches (and clashes in) it. */
  execArgv?: string[];
  /** Environment the worker inherits before `start`'s `env` is added; defaults to `process.env`. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * `WorkerHost` for the headless server (`omnisight server`) and for tests: each worker is a `child_process.fork`
 * of a built entry file. Inside Electron the shell uses `UtilityProcessWorkerHost` instead; the fuse that
 * disables ELECTRON_RUN_AS_NODE makes `fork` unusable there.
 */
export class ForkWorkerHost implements WorkerHost {
  readonly #options: ForkWorkerHostOptions;

  constructor(options: ForkWorkerHostOptions) {
    this.#options = options;
  }

  start(entry: string, options: { name?: string; env?: Record<string, string> } = {}): WorkerProcess {
    const modulePath = path.resolve(this.#options.workersDir, entry);
    const name = options.name ?? path.basename(entry).replace(/\.[cm]?js$/, '');
    const child = fork(modulePath, [], {
      env: workerEnvironment(this.#options.baseEnv ?? process.env, options.env),
      execArgv: this.#options.execArgv ?? [],
      // Structured clone instead of JSON: frames travel as typed arrays, and messages have the same shape
      // as under utilityProcess, which always uses structured clone.
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const logger = this.#options.logger.child({ component: 'worker', worker: name, pid: child.pid });
    const worker = new SupervisedWorker(forkedChild(child, logger), {
      killGraceMs: this.#options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      logger,
    });
    forwardWorkerOutput(child.stdout, child.stderr, logger);
    child.on('message', (message: unknown) => worker.notifyMessage(message));
    child.on('exit', (code, signal) => {
      logger.info({ code, signal }, 'worker exited');
      worker.notifyExit(code);
    });
    child.on('error', (error) => {
      // Node reports a failed spawn only here ('exit' may never follow), so a child without a pid has ended.
      logger.error({ err: error }, 'worker process error');
      if (child.pid === undefined) worker.notifyExit(null);
    });
    logger.info({ entry: modulePath }, 'worker started');
    return worker;
  }
}

function forkedChild(child: ChildProcess, logger: Logger): WorkerChild {
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      if (!child.connected) {
        logger.debug({}, 'dropped a message to a disconnected worker');
        return;
      }
      if (!isSerializable(message)) {
        logger.warn({ type: typeof message }, 'dropped a message that cannot cross to a worker');
        return;
      }
      // With a callback, a failed send is reported here instead of as an 'error' event on the child.
      child.send(message, (error) => {
        if (error) logger.warn({ err: error }, 'could not send a message to the worker');
      });
    },
    terminate() {
      child.kill('SIGTERM');
    },
    forceKill() {
      child.kill('SIGKILL');
    },
  };
}

function isSerializable(value: unknown): value is Serializable {
  return value !== null && value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
