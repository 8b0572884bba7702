import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForkWorkerHost } from '../../electron/engine/workers/fork-worker-host.js';
import type { Logger, WorkerProcess } from '../../electron/engine/ports.js';
import { isPong } from '../../workers/echo-protocol.js';

// Real processes: the workers are bundled the way scripts/build.mjs bundles them (CJS, .cjs) into a temp
// folder, then forked by ForkWorkerHost exactly as the headless engine does.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let workersDir: string;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  workersDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-workers-'));
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      'echo-worker': 'workers/echo-worker.ts',
      'test-worker': 'test/workers/fixtures/test-worker.ts',
    },
    outdir: workersDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
});

afterEach(async () => {
  // A failed assertion must not leave a process behind.
  for (const worker of started.splice(0)) {
    worker.kill();
    await worker.waitForExit(5_000);
  }
});

afterAll(() => fs.rmSync(workersDir, { recursive: true, force: true }));

function recordingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const logger: Logger = {
    debug: (_fields, message) => lines.push({ level: 'debug', message }),
    info: (_fields, message) => lines.push({ level: 'info', message }),
    warn: (_fields, message) => lines.push({ level: 'warn', message }),
    error: (_fields, message) => lines.push({ level: 'error', message }),
    child: () => logger,
  };
  return { logger, lines };
}

function startWorker(entry: string, killGraceMs = 5_000) {
  const { logger, lines } = recordingLogger();
  const host = new ForkWorkerHost({ workersDir, logger, killGraceMs });
  const worker = host.start(entry);
  started.push(worker);
  return { worker, lines };
}

/** The next message from `worker` that `accept` takes. */
function nextMessage<T>(worker: WorkerProcess, accept: (message: unknown) => message is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
    const unsubscribe = worker.onMessage((message) => {
      if (!accept(message)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(message);
    });
  });
}

function exitOf(worker: WorkerProcess): Promise<number | null> {
  return new Promise((resolve) => worker.onExit(resolve));
}

const isType =
  <T extends string>(type: T) =>
  (message: unknown): message is { type: T; [key: string]: unknown } =>
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

describe('ForkWorkerHost with real processes', () => {
  it('forks the echo worker, gets pongs from its pid, kills it and sees the exit', async () => {
    const { worker } = startWorker('echo-worker.cjs');
    expect(worker.pid).toEqual(expect.any(Number));

    for (const n of [1, 2, 3]) {
      const pong = nextMessage(worker, isPong);
      worker.postMessage({ type: 'ping', n });
      await expect(pong).resolves.toEqual({ type: 'pong', n, pid: worker.pid });
    }

    const exit = exitOf(worker);
    worker.kill();
    // Ended by SIGTERM: no exit code.
    await expect(exit).resolves.toBeNull();
    await expect(worker.waitForExit(0)).resolves.toBe(true);
    // Late listeners still hear about it; messages to the dead worker are dropped without an error.
    await expect(exitOf(worker)).resolves.toBeNull();
    expect(() => worker.postMessage({ type: 'ping', n: 4 })).not.toThrow();
  });

  it('carries structured-clone values (advanced serialization), the same as utilityProcess', async () => {
    const { worker } = startWorker('test-worker.cjs');
    await nextMessage(worker, isType('ready'));
    const value = {
      frame: new Uint8Array([0, 1, 254, 255]),
      at: new Date(1_700_000_000_000),
      big: 2n ** 70n,
      boxes: new Map([['person', [1, 2, 3, 4]]]),
      nothing: undefined,
    };
    const echo = nextMessage(worker, isType('echo'));
    worker.postMessage({ type: 'echo', value });
    await expect(echo).resolves.toEqual({ type: 'echo', value });
  });

  it('reports the exit code of a worker that leaves on its own', async () => {
    const { worker } = startWorker('test-worker.cjs');
    await nextMessage(worker, isType('ready'));
    const exit = exitOf(worker);
    worker.postMessage({ type: 'exit', code: 3 });
    await expect(exit).resolves.toBe(3);
  });

  it('escalates to SIGKILL when the worker ignores SIGTERM', async () => {
    const { worker, lines } = startWorker('test-worker.cjs', 300);
    await nextMessage(worker, isType('ready'));
    const ignoring = nextMessage(worker, isType('ignoring-sigterm'));
    worker.postMessage({ type: 'ignore-sigterm' });
    await ignoring;

    const exit = exitOf(worker);
    worker.kill();
    await expect(worker.waitForExit(150)).resolves.toBe(false);
    await expect(exit).resolves.toBeNull();
    expect(lines.some((line) => line.level === 'warn' && line.message.includes('SIGKILL'))).toBe(true);
  });

  it("drains the worker's stdout and stderr into the log", async () => {
    const { worker, lines } = startWorker('test-worker.cjs');
    await nextMessage(worker, isType('ready'));
    const printed = nextMessage(worker, isType('printed'));
    worker.postMessage({ type: 'print', text: 'hello from the worker' });
    await printed;
    const exit = exitOf(worker);
    worker.postMessage({ type: 'exit', code: 0 });
    await exit;
    // Output may trail the exit by a moment; the pipes are read until they close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toContainEqual({ level: 'info', message: 'hello from the worker' });
    expect(lines).toContainEqual({ level: 'warn', message: 'hello from the worker on stderr' });
  });

  it('reports a worker whose entry does not exist as an exit with a code', async () => {
    const { worker } = startWorker('no-such-worker.cjs');
    await expect(exitOf(worker)).resolves.toBe(1);
  });
});
