import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../engine/ports.js';
import {
  UtilityProcessWorkerHost,
  type UtilityChild,
  type UtilityForkOptions,
} from './utility-process-worker-host.js';

/** Behaves like Electron's UtilityProcess: pid from 'spawn' on, 'exit' with a number, kill() = SIGTERM. */
class FakeUtilityProcess extends EventEmitter implements UtilityChild {
  pid: number | undefined = undefined;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  kills = 0;

  postMessage(message: unknown): void {
    if (typeof message === 'function') throw new Error('An object could not be cloned.');
    this.posted.push(message);
  }
  kill(): boolean {
    this.kills += 1;
    return true;
  }
  spawn(pid: number): void {
    this.pid = pid;
    this.emit('spawn');
  }
  exit(code: number): void {
    this.emit('exit', code);
    this.pid = undefined;
  }
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: object; bindings: object }> = [];
  const make = (bindings: object): Logger => ({
    debug: (fields, message) => lines.push({ level: 'debug', message, fields, bindings }),
    info: (fields, message) => lines.push({ level: 'info', message, fields, bindings }),
    warn: (fields, message) => lines.push({ level: 'warn', message, fields, bindings }),
    error: (fields, message) => lines.push({ level: 'error', message, fields, bindings }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return { logger: make({}), lines };
}

describe('UtilityProcessWorkerHost', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const children: FakeUtilityProcess[] = [];
    const forks: Array<{ modulePath: string; args: string[]; options: UtilityForkOptions }> = [];
    const killPid = vi.fn();
    const { logger, lines } = recordingLogger();
    const host = new UtilityProcessWorkerHost({
      fork: (modulePath, args, options) => {
        forks.push({ modulePath, args, options });
        const child = new FakeUtilityProcess();
        children.push(child);
        return child;
      },
      workersDir: path.resolve('/app/out/workers'),
      logger,
      killGraceMs: 2_000,
      killPid,
      baseEnv: { PATH: '/usr/bin', NOT_SET: undefined },
    });
    return { host, children, forks, killPid, lines };
  }

  it('forks the entry from the workers folder with piped stdio, no inherited flags and a merged env', () => {
    const { host, forks } = setup();
    host.start('echo-worker.cjs', { env: { OMNISIGHT_WORKER: '1' } });
    host.start(path.resolve('/elsewhere/custom.cjs'), { name: 'detector' });
    expect(forks[0]).toEqual({
      modulePath: path.resolve('/app/out/workers/echo-worker.cjs'),
      args: [],
      options: {
        env: { PATH: '/usr/bin', OMNISIGHT_WORKER: '1' },
        execArgv: [],
        serviceName: 'OmniSight echo-worker',
        stdio: 'pipe',
      },
    });
    expect(forks[1]?.modulePath).toBe(path.resolve('/elsewhere/custom.cjs'));
    expect(forks[1]?.options.serviceName).toBe('OmniSight detector');
  });

  it('relays messages and reports the pid once spawned', () => {
    const { host, children } = setup();
    const worker = host.start('echo-worker.cjs');
    const child = children[0]!;
    expect(worker.pid).toBeUndefined();
    child.spawn(321);
    expect(worker.pid).toBe(321);

    const received: unknown[] = [];
    worker.onMessage((message) => received.push(message));
    worker.postMessage({ type: 'ping', n: 1 });
    child.emit('message', { type: 'pong', n: 1, pid: 321 });
    expect(child.posted).toEqual([{ type: 'ping', n: 1 }]);
    expect(received).toEqual([{ type: 'pong', n: 1, pid: 321 }]);
  });

  it('logs instead of throwing when a message cannot be cloned', () => {
    const { host, children, lines } = setup();
    const worker = host.start('echo-worker.cjs');
    children[0]!.spawn(1);
    expect(() => worker.postMessage(() => undefined)).not.toThrow();
    expect(lines.some((line) => line.message === 'could not send a message to the worker')).toBe(true);
  });

  it('reports the exit code once', () => {
    const { host, children } = setup();
    const worker = host.start('echo-worker.cjs');
    const codes: Array<number | null> = [];
    worker.onExit((code) => codes.push(code));
    children[0]!.spawn(5);
    children[0]!.exit(2);
    children[0]!.exit(2);
    expect(codes).toEqual([2]);
  });

  it('kill: SIGTERM through kill(), then SIGKILL by pid after the grace period', async () => {
    const { host, children, killPid } = setup();
    const worker = host.start('echo-worker.cjs');
    const child = children[0]!;
    child.spawn(777);
    worker.kill();
    expect(child.kills).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(killPid).toHaveBeenCalledWith(777, 'SIGKILL');
    child.exit(9);
    await expect(worker.waitForExit(10)).resolves.toBe(true);
  });

  it('kill: no SIGKILL when the worker leaves in time', async () => {
    const { host, children, killPid } = setup();
    const worker = host.start('echo-worker.cjs');
    children[0]!.spawn(778);
    worker.kill();
    children[0]!.exit(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(killPid).not.toHaveBeenCalled();
  });

  it('forwards stdout and stderr lines to the log with the worker and pid', () => {
    const { host, children, lines } = setup();
    host.start('echo-worker.cjs');
    const child = children[0]!;
    child.spawn(900);
    child.stdout.write('model loaded\n');
    child.stderr.write('warning: slow frame\n');
    const output = lines.filter((line) => 'stream' in line.fields);
    expect(output.map((line) => [line.level, line.message])).toEqual([
      ['info', 'model loaded'],
      ['warn', 'warning: slow frame'],
    ]);
    expect(output[0]?.bindings).toMatchObject({ component: 'worker', worker: 'echo-worker', pid: 900 });
  });
});
