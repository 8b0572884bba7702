import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../engine/logging/logger.js';
import { createCrashReloadPolicy, createQuitCoordinator } from './lifecycle.js';

function quitEvent() {
  const event = { prevented: 0, preventDefault: () => (event.prevented += 1) };
  return event;
}

describe('createQuitCoordinator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(stop: () => Promise<void>) {
    const quit = vi.fn();
    const exit = vi.fn();
    const coordinator = createQuitCoordinator({
      stop,
      quit,
      exit,
      logger: createSilentLogger(),
      timeoutMs: 1_000,
    });
    return { coordinator, quit, exit };
  }

  it('holds the quit, stops the engine once, then quits for real', async () => {
    let finish: () => void = () => undefined;
    const stop = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { coordinator, quit, exit } = setup(stop);
    expect(coordinator.quitting).toBe(false);

    const first = quitEvent();
    coordinator.onBeforeQuit(first);
    expect(first.prevented).toBe(1);
    expect(coordinator.quitting).toBe(true);

    // A second Quit while stopping (the tray clicked twice) is held too and starts nothing new.
    const second = quitEvent();
    coordinator.onBeforeQuit(second);
    expect(second.prevented).toBe(1);
    expect(stop).toHaveBeenCalledOnce();

    finish();
    await vi.runAllTimersAsync();
    expect(quit).toHaveBeenCalledOnce();
    expect(exit).not.toHaveBeenCalled();

    // The quit issued after stopping goes through.
    const last = quitEvent();
    coordinator.onBeforeQuit(last);
    expect(last.prevented).toBe(0);
  });

  it('exits with 1 when stopping fails', async () => {
    const { coordinator, quit, exit } = setup(() => Promise.reject(new Error('database busy')));
    coordinator.onBeforeQuit(quitEvent());
    await vi.runAllTimersAsync();
    expect(exit).toHaveBeenCalledWith(1);
    expect(quit).not.toHaveBeenCalled();
  });

  it('exits with 1 when the engine hangs past the timeout', async () => {
    const { coordinator, quit, exit } = setup(() => new Promise<void>(() => undefined));
    coordinator.onBeforeQuit(quitEvent());
    await vi.advanceTimersByTimeAsync(999);
    expect(exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(exit).toHaveBeenCalledWith(1);
    expect(quit).not.toHaveBeenCalled();
  });
});

describe('createCrashReloadPolicy', () => {
  it('reloads at most three times a minute and never after a clean exit', () => {
    let now = 0;
    const shouldReload = createCrashReloadPolicy({ now: () => now });
    expect(shouldReload('clean-exit')).toBe(false);
    expect([shouldReload('crashed'), shouldReload('oom'), shouldReload('crashed')]).toEqual([
      true,
      true,
      true,
    ]);
    expect(shouldReload('crashed')).toBe(false);
    now = 59_999;
    expect(shouldReload('crashed')).toBe(false);
    now = 60_000;
    expect(shouldReload('crashed')).toBe(true);
  });
});
