import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CpuMeter, readProcCpuSeconds } from './process-cpu.js';

describe('CpuMeter', () => {
  it('gives % of one core over the window, once two samples are a second apart', () => {
    const cpu = new Map([[10, 1]]);
    const meter = new CpuMeter((pid) => cpu.get(pid) ?? null, 10_000);
    expect(meter.measure([10], 0)).toBeNull();
    cpu.set(10, 1.1);
    expect(meter.measure([10], 500)).toBeNull(); // too short to tell
    cpu.set(10, 1.25);
    expect(meter.measure([10], 1_000)).toBe(25);
    cpu.set(10, 3);
    expect(meter.measure([10], 5_000)).toBe(40); // 2 s of CPU over 5 s
  });

  it('slides: the figure covers about the last window, not the whole life', () => {
    const cpu = new Map([[10, 0]]);
    const meter = new CpuMeter((pid) => cpu.get(pid) ?? null, 10_000);
    for (let second = 0; second <= 30; second++) {
      // Busy (one full core) for the first 20 s, then idle.
      cpu.set(10, Math.min(second, 20));
      meter.measure([10], second * 1000);
    }
    cpu.set(10, 20);
    expect(meter.measure([10], 31_000)).toBe(0);
  });

  it('counts all of a pid that started inside the window (a restarted FFmpeg) and survives one ending', () => {
    const cpu = new Map([[10, 5]]);
    const meter = new CpuMeter((pid) => cpu.get(pid) ?? null, 10_000);
    meter.measure([10], 0);
    cpu.delete(10); // crashed
    cpu.set(11, 0.5); // its successor, 0.5 s of CPU since it started
    expect(meter.measure([11], 2_000)).toBe(25);
  });

  it('is null when nothing runs or nothing can be read, and starts over afterwards', () => {
    const cpu = new Map([[10, 0]]);
    const meter = new CpuMeter((pid) => cpu.get(pid) ?? null, 10_000);
    meter.measure([10], 0);
    expect(meter.measure([], 2_000)).toBeNull();
    cpu.set(10, 10);
    // The old sample was dropped: no figure from a stale base.
    expect(meter.measure([10], 3_000)).toBeNull();
    cpu.set(10, 10.5);
    expect(meter.measure([10], 4_000)).toBe(50);
  });
});

describe('readProcCpuSeconds', () => {
  it.runIf(process.platform === 'linux')('reads a busy child process from /proc', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 600; while (Date.now() < end);']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const seconds = readProcCpuSeconds(child.pid!);
      expect(seconds).not.toBeNull();
      expect(seconds).toBeGreaterThan(0.05);
    } finally {
      child.kill('SIGKILL');
    }
    expect(readProcCpuSeconds(2 ** 22 + 1)).toBeNull();
  });
});
