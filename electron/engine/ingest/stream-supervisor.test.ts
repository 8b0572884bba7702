import { makeSampleFmp4 } from './sample-media.js';
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import type { Fragment } from './fmp4.js';
import type { ProcessRunner, RunningProcess } from './process-runner.js';
import {
  BACKOFF_MAX_MS,
  backoffDelay,
  StreamSupervisor,
  type SessionSink,
  type StreamSource,
  type StreamStatus,
} from './stream-supervisor.js';

describe('backoffDelay', () => {
  it('doubles from 1 s to a 60 s cap without jitter at random 0.5', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((failures) => backoffDelay(failures, half))).toEqual([
      1000, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('keeps jitter within ±20 % of the base delay', () => {
    expect(backoffDelay(1, () => 0)).toBe(800);
    expect(backoffDelay(3, () => 0)).toBe(3200);
    expect(backoffDelay(1, () => 0.999_999)).toBe(1200);
    expect(backoffDelay(10, () => 0)).toBe(BACKOFF_MAX_MS * 0.8);
    for (let failures = 1; failures <= 10; failures += 1) {
      const base = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** (failures - 1));
      for (const random of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
        const delay = backoffDelay(failures, () => random);
        expect(delay).toBeGreaterThanOrEqual(base * 0.8);
        expect(delay).toBeLessThanOrEqual(base * 1.2);
      }
    }
  });
});

interface FakeProcess extends RunningProcess {
  readonly args: string[];
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  /** Ends the process with `code`, having written `stderr` first. */
  exit(code: number | null, stderr?: string): void;
  stopCalls: number;
}

/**
 * A `ProcessRunner` whose children are two pipes and a promise. Like a real child's `close`, `exited` resolves
 * once both pipes are drained. `behaviour` runs once the supervisor has attached its listeners.
 */
function createFakeRunner(behaviour: (process: FakeProcess, attempt: number) => void): {
  runner: ProcessRunner;
  started: FakeProcess[];
} {
  const started: FakeProcess[] = [];
  const runner: ProcessRunner = {
    start(_command, args, options) {
      const stdout = new PassThrough();
      const reader = options.stdout;
      if (reader !== undefined)
        stdout.on('data', (chunk: Buffer) => {
          let offset = 0;
          while (offset < chunk.length) {
            const copied = chunk.copy(reader.readBuffer(), 0, offset);
            offset += copied;
            reader.written(copied);
          }
        });
      const stderr = new PassThrough();
      let resolveExit: (value: { code: number | null; signal: NodeJS.Signals | null }) => void = () =>
        undefined;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        resolveExit = resolve;
      });
      let ending = false;
      const end = (code: number | null, signal: NodeJS.Signals | null, text: string): void => {
        if (ending) return;
        ending = true;
        if (text !== '') stderr.write(text);
        stdout.end();
        stderr.end();
        void Promise.all([finished(stdout), finished(stderr)]).then(() => resolveExit({ code, signal }));
      };
      const fake: FakeProcess = {
        pid: 4000 + started.length,
        child: { stdout: null, stderr } as unknown as ChildProcess,
        exited,
        stdoutDone: finished(stdout).catch(() => undefined),
        args: [...args],
        stdout,
        stderr,
        stopCalls: 0,
        exit: (code, text = '') => end(code, null, text),
        signal: (signal) => end(null, signal, ''),
        async stop() {
          fake.stopCalls += 1;
          end(null, 'SIGTERM', '');
          await exited;
        },
      };
      started.push(fake);
      queueMicrotask(() => behaviour(fake, started.length));
      return Promise.resolve(fake);
    },
  };
  return { runner, started };
}

interface Harness {
  supervisor: StreamSupervisor;
  statuses: StreamStatus[];
  ended: string[];
  fragments: { fragment: Fragment; startTime: number }[];
  inits: number;
  /** Resolves with the first status (already seen or coming) that matches. */
  waitForStatus(match: (status: StreamStatus) => boolean): Promise<StreamStatus>;
  segmentProgressAgeMs: number | null;
}

const NOW = Date.UTC(2026, 2, 29, 0, 59, 58);
let now = NOW;
const clock = { now: () => now };

const SOURCE: StreamSource = {
  url: 'rtsp://cam.local:554/live',
  username: 'admin',
  password: 'p@ss:w/rd',
  transport: 'tcp',
};

function createHarness(runner: ProcessRunner, source: StreamSource = SOURCE): Harness {
  const waiters: { match: (status: StreamStatus) => boolean; resolve: (status: StreamStatus) => void }[] = [];
  const harness: Harness = {
    supervisor: undefined as unknown as StreamSupervisor,
    statuses: [],
    ended: [],
    fragments: [],
    inits: 0,
    segmentProgressAgeMs: null,
    waitForStatus(match) {
      const seen = harness.statuses.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
  const sink: SessionSink = {
    init: () => (harness.inits += 1),
    fragment: (fragment, startTime) => harness.fragments.push({ fragment, startTime }),
    ended: (reason) => {
      harness.ended.push(reason);
      return Promise.resolve();
    },
    segmentProgressAgeMs: () => harness.segmentProgressAgeMs,
  };
  harness.supervisor = new StreamSupervisor({
    cameraId: 'cam-0123456789',
    kind: 'main',
    source,
    ffmpegPath: '/usr/bin/ffmpeg',
    runner,
    clock,
    logger: createSilentLogger(),
    hooks: { sessionStarted: () => sink },
    onStatus: (status) => {
      harness.statuses.push(status);
      for (const waiter of [...waiters]) {
        if (!waiter.match(status)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(status);
      }
    },
    maxSegmentAgeMs: 14_000,
    random: () => 0.5,
  });
  return harness;
}

const AUTH_STDERR = [
  "Input #0, rtsp, from 'rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/live':",
  '[rtsp @ 0x55f4c2a0e6c0] method DESCRIBE failed: 401 Unauthorized',
  'rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/live: Server returned 401 Unauthorized (authorization failed)',
  '',
].join('\n');

const REFUSED_STDERR =
  '[tcp @ 0x55d7a8f0b380] Connection to tcp://cam.local:554?timeout=0 failed: Connection refused\n' +
  'rtsp://***@cam.local:554/live: Connection refused\n';

const PCM_STDERR = [
  "Input #0, rtsp, from 'rtsp://***@cam.local:554/live':",
  '  Stream #0:0: Video: h264 (Main), yuvj420p(pc, bt709, progressive), 1920x1080, 25 fps, 25 tbr, 90k tbn',
  '  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s',
  '[mp4 @ 0x55c0f4a7e200] Could not find tag for codec pcm_mulaw in stream #1, codec not currently supported in container',
  'Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument',
  '',
].join('\n');

afterEach(() => {
  vi.useRealTimers();
  now = NOW;
});

describe('StreamSupervisor', () => {
  it('spawns FFmpeg with the credentials percent-encoded into the URL and never shows them', async () => {
    const { runner, started } = createFakeRunner((child) =>
      child.exit(
        1,
        'Weird failure for rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/live (user admin, p@ss:w/rd)\n',
      ),
    );
    const harness = createHarness(runner);
    harness.supervisor.start();
    const status = await harness.waitForStatus((s) => s.status === 'reconnecting');
    await harness.supervisor.stop();
    const args = started[0]!.args;
    expect(args[args.indexOf('-i') + 1]).toBe('rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/live');
    expect(status.reason).toBe('Weird failure for rtsp://***@cam.local:554/live (user ***, ***)');
    expect(JSON.stringify(harness.statuses) + harness.ended.join()).not.toMatch(/p@ss|p%40ss|admin/);
  });

  it('reports auth_failed and waits at least a minute before the next try (no account lock-out)', async () => {
    const { runner, started } = createFakeRunner((child) => child.exit(1, AUTH_STDERR));
    const harness = createHarness(runner);
    harness.supervisor.start();
    const status = await harness.waitForStatus((s) => s.status === 'auth_failed');
    expect(status).toEqual({
      status: 'auth_failed',
      reason: 'The camera refused the user name or password (401 Unauthorized)',
      nextAttemptAt: NOW + 60_000,
    });
    expect(harness.supervisor.currentStatus).toBe(status);
    expect(harness.ended).toEqual(['The camera refused the user name or password (401 Unauthorized)']);
    expect(harness.supervisor.counters.restarts).toEqual([NOW]);
    await harness.supervisor.stop();
    expect(started).toHaveLength(1);
  });

  it('reports reconnecting on connection refused and backs off 1 s, then 2 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { runner, started } = createFakeRunner((child) => child.exit(1, REFUSED_STDERR));
    const harness = createHarness(runner);
    harness.supervisor.start();
    const first = await harness.waitForStatus((s) => s.status === 'reconnecting');
    expect(first).toEqual({
      status: 'reconnecting',
      reason: 'Connection refused',
      nextAttemptAt: NOW + 1000,
    });
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toHaveLength(1);
    now += 1000;
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(2);
    const second = await harness.waitForStatus((s) => s.nextAttemptAt === now + 2000);
    expect(second.status).toBe('reconnecting');
    await harness.supervisor.stop();
    expect(harness.supervisor.currentStatus.status).toBe('disabled');
  });

  it('returns promptly from stop() during the backoff wait and ends disabled', async () => {
    const { runner, started } = createFakeRunner((child) => child.exit(1, REFUSED_STDERR));
    const harness = createHarness(runner);
    harness.supervisor.start();
    await harness.waitForStatus((s) => s.status === 'reconnecting');
    const before = performance.now();
    await harness.supervisor.stop();
    expect(performance.now() - before).toBeLessThan(200);
    expect(harness.statuses.at(-1)).toEqual({ status: 'disabled', reason: null, nextAttemptAt: null });
    // The cancelled wait does not start another FFmpeg later.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(started).toHaveLength(1);
  });

  it('stops a running FFmpeg, finishes its session as stopped and ends disabled', async () => {
    const { runner, started } = createFakeRunner(() => undefined);
    const harness = createHarness(runner);
    harness.supervisor.start();
    await vi.waitFor(() => expect(harness.supervisor.pid).toBe(4000));
    await harness.supervisor.stop();
    expect(started[0]!.stopCalls).toBe(1);
    expect(harness.ended).toEqual(['stopped']);
    expect(harness.statuses.map((s) => s.status)).toEqual(['connecting', 'disabled']);
    expect(harness.supervisor.counters.restarts).toEqual([]);
  });

  it('retries at once with -c:a aac when the camera audio cannot be copied into MP4', async () => {
    const { runner, started } = createFakeRunner((child, attempt) => {
      if (attempt === 1) child.exit(1, PCM_STDERR);
    });
    const harness = createHarness(runner);
    harness.supervisor.start();
    await vi.waitFor(() => expect(started).toHaveLength(2), { timeout: 1000, interval: 5 });
    const [first, second] = [started[0]!.args, started[1]!.args];
    expect(first.slice(first.indexOf('-c:a'), first.indexOf('-c:a') + 2)).toEqual(['-c:a', 'copy']);
    expect(second.slice(second.indexOf('-c:a'), second.indexOf('-c:a') + 4)).toEqual([
      '-c:a',
      'aac',
      '-b:a',
      '64k',
    ]);
    expect(harness.ended).toEqual(['Audio codec pcm_mulaw cannot be stored in MP4 as is; converting to AAC']);
    // No backoff, no failure status in between.
    expect(new Set(harness.statuses.map((s) => s.status))).toEqual(new Set(['connecting']));
    await harness.supervisor.stop();
    expect(harness.ended.at(-1)).toBe('stopped');
  });

  describe('with real fragmented MP4 on stdout', () => {
    let sample: Buffer;

    beforeAll(() => {
      sample = makeSampleFmp4({ width: 160, height: 120, fps: 15, seconds: 2 });
    });

    it('goes recording, hands fragments on with wall-clock times and feeds the live hub', async () => {
      const { runner } = createFakeRunner((child, attempt) => {
        if (attempt > 1) return;
        // Odd chunk sizes, as a pipe delivers them.
        for (let offset = 0; offset < sample.length; offset += 1000)
          child.stdout.write(sample.subarray(offset, offset + 1000));
        child.exit(0);
      });
      const harness = createHarness(runner, {
        ...SOURCE,
        url: 'demo:test-pattern',
        username: null,
        password: null,
      });
      const viewer: string[] = [];
      harness.supervisor.hub.add({ send: (_data, kind) => viewer.push(kind) > 0 });
      harness.supervisor.start();
      const failed = await harness.waitForStatus((s) => s.status === 'reconnecting');
      expect(harness.statuses.map((s) => s.status)).toEqual(['connecting', 'recording', 'reconnecting']);
      expect(failed.reason).toBe('FFmpeg exited with code 0');
      expect(harness.inits).toBe(1);
      const { fragments } = harness;
      expect(fragments.reduce((total, entry) => total + entry.fragment.videoFrames, 0)).toBe(30);
      // All arrived "now", as a burst does: a fragment cannot arrive before it was captured, so each one bounds
      // the anchor tighter and ends "now" (the segment writer restates its start from the latest anchor).
      for (const entry of fragments) expect(entry.startTime).toBeCloseTo(NOW - entry.fragment.durationMs, 6);
      expect(harness.supervisor.counters.fragments).toBe(fragments.length);
      expect(harness.supervisor.counters.lastDataAt).toBe(NOW);
      expect(viewer[0]).toBe('init');
      expect(viewer.filter((kind) => kind === 'fragment')).toHaveLength(fragments.length);
      // The session ended: a new viewer waits for the next session's init.
      expect(harness.supervisor.hub.initSegment).toBeNull();
      await harness.supervisor.stop();
    });
  });

  it('restarts a session that sends nothing (stall watchdog)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { runner, started } = createFakeRunner(() => undefined);
    const harness = createHarness(runner);
    harness.supervisor.start();
    // FFmpeg starts asynchronously (its stdout socket is set up first).
    await vi.advanceTimersByTimeAsync(0);
    now += 16_000;
    await vi.advanceTimersByTimeAsync(1000);
    const status = await harness.waitForStatus((s) => s.status === 'reconnecting');
    expect(started[0]!.stopCalls).toBe(1);
    expect(status.reason).toBe('No video for 16 s (stalled stream); restarting');
    await harness.supervisor.stop();
  });

  it('restarts a session whose open segment never closes (no keyframe watchdog)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { runner } = createFakeRunner(() => undefined);
    const harness = createHarness(runner);
    harness.segmentProgressAgeMs = 14_001;
    harness.supervisor.start();
    await vi.advanceTimersByTimeAsync(1000);
    const status = await harness.waitForStatus((s) => s.status === 'reconnecting');
    expect(status.reason).toBe('Segments not advancing (none closed for 14 s); restarting');
    await harness.supervisor.stop();
  });
});
