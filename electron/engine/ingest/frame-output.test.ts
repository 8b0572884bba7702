import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import { systemClock } from '../ports.js';
import type { DecodedFrame } from './frame-reader.js';
import { nodeProcessRunner } from './process-runner.js';
import { StreamSupervisor, type StreamStatus } from './stream-supervisor.js';

let supervisor: StreamSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
});

describe('decoded frame output', () => {
  it('is off until a consumer asks, then delivers small frames from the same session, and stops again', async () => {
    const statuses: StreamStatus[] = [];
    const sessions: string[] = [];
    supervisor = new StreamSupervisor({
      cameraId: 'cam-0123456789',
      kind: 'sub',
      source: { url: 'demo:frames', username: null, password: null, transport: 'tcp' },
      ffmpegPath: 'ffmpeg',
      runner: nodeProcessRunner,
      clock: systemClock,
      logger: createSilentLogger(),
      hooks: {
        sessionStarted: () => ({
          init: () => undefined,
          fragment: () => undefined,
          ended: (reason) => {
            sessions.push(reason);
            return Promise.resolve();
          },
          segmentProgressAgeMs: () => null,
        }),
      },
      onStatus: (status) => statuses.push(status),
      maxSegmentAgeMs: 60_000,
    });
    supervisor.start();
    const waitFor = async (check: () => boolean): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(() => statuses.some((status) => status.status === 'recording'));
    expect(supervisor.counters.decodedFrames).toBe(0);

    const frames: DecodedFrame[] = [];
    supervisor.setFrameConsumer({
      output: { fps: 5, width: 320, format: 'gray' },
      onFrame: (frame) => frames.push(frame),
    });
    await waitFor(() => frames.length >= 5);
    // The demo source is 1280x720: 320 wide keeps 16:9.
    expect(frames[0]).toMatchObject({ width: 320, height: 180, channels: 1 });
    expect(sessions).toEqual(['restarted to change the frame output']);
    // Restarting for the frame output is not a failure: no reconnecting state, no backoff.
    expect(statuses.map((status) => status.status)).not.toContain('reconnecting');

    supervisor.setFrameConsumer(null);
    await waitFor(() => sessions.length === 2);
    const count = frames.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(frames.length).toBe(count);
  }, 30_000);
});
