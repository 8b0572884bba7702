import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import { SupervisedWorker, type WorkerChild } from './supervised-worker.js';

function createFakeChild() {
  const child = {
    pid: 4242 as number | undefined,
    sent: [] as unknown[],
    signals: [] as string[],
    send(message: unknown) {
      child.sent.push(message);
    },
    terminate() {
      child.signals.push('SIGTERM');
    },
    forceKill() {
      child.signals.push('SIGKILL');
    },
  } satisfies WorkerChild & Record<string, unknown>;
  return child;
}

describe('SupervisedWorker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const child = createFakeChild();
    const worker = new SupervisedWorker(child, { killGraceMs: 1_000, logger: createSilentLogger() });
    return { child, worker };
  }

  it('passes messages both ways until the process ends', () => {
    const { child, worker } = setup();
    const received: unknown[] = [];
    const unsubscribe = worker.onMessage((message) => received.push(message));
    worker.postMessage({ type: 'ping', n: 1 });
    worker.notifyMessage({ type: 'pong', n: 1 });
    unsubscribe();
    worker.notifyMessage({ type: 'pong', n: 2 });
    expect(child.sent).toEqual([{ type: 'ping', n: 1 }]);
    expect(received).toEqual([{ type: 'pong', n: 1 }]);

    worker.notifyExit(0);
    worker.postMessage({ type: 'ping', n: 3 });
    expect(child.sent).toHaveLength(1);
  });

  it('reports the exit once, even when the host reports it twice', () => {
    const { worker } = setup();
    const codes: Array<number | null> = [];
    worker.onExit((code) => codes.push(code));
    worker.notifyExit(3);
    worker.notifyExit(null);
    expect(codes).toEqual([3]);
    expect(worker.exited).toBe(true);
  });

  it('tells a listener registered after the exit, asynchronously', async () => {
    const { worker } = setup();
    worker.notifyExit(7);
    const late = vi.fn();
    const cancelled = vi.fn();
    worker.onExit(late);
    worker.onExit(cancelled)();
    expect(late).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(late).toHaveBeenCalledWith(7);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('keeps calling listeners when one throws', () => {
    const { worker } = setup();
    const after = vi.fn();
    worker.onMessage(() => {
      throw new Error('bug in a subscriber');
    });
    worker.onMessage(after);
    expect(() => worker.notifyMessage('x')).not.toThrow();
    expect(after).toHaveBeenCalledWith('x');
  });

  it('kill sends SIGTERM and nothing more when the process leaves in time', async () => {
    const { child, worker } = setup();
    worker.kill();
    expect(child.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(500);
    worker.notifyExit(null);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(child.signals).toEqual(['SIGTERM']);
  });

  it('kill escalates to SIGKILL after the grace period', async () => {
    const { child, worker } = setup();
    worker.kill();
    await vi.advanceTimersByTimeAsync(999);
    expect(child.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(1);
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('a second kill escalates at once; kill after exit does nothing', () => {
    const { child, worker } = setup();
    worker.kill();
    worker.kill();
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
    worker.notifyExit(null);
    worker.kill();
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('waitForExit answers true on exit, false on timeout, and leaves no timer behind', async () => {
    const { worker } = setup();
    const timedOut = worker.waitForExit(100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(timedOut).resolves.toBe(false);

    const exited = worker.waitForExit(10_000);
    worker.notifyExit(0);
    await expect(exited).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(worker.waitForExit(1)).resolves.toBe(true);
  });
});
