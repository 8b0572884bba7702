import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../common/contract/index.js';
import { createEventBus } from '../events/event-bus.js';
import { createFragment, type InitSegment } from '../ingest/fmp4.js';
import { LiveHub } from '../ingest/live-hub.js';
import { createSilentLogger } from '../logging/logger.js';
import type { LiveSink } from '../ports.js';
import type { CameraRecorder } from '../recording/camera-recorder.js';
import { createLiveService } from './live-service.js';

const CAMERA = 'cam-0123456789';

function init(codec: string): InitSegment {
  return {
    data: Buffer.from(`init-${codec}`),
    tracks: [{ id: 1, kind: 'video', timescale: 90_000, codec: 'avc1', codecString: codec }],
  };
}

function fragment(keyframe: boolean, label: string) {
  return createFragment(
    [Buffer.from(label)],
    { keyframe, startMs: 0, durationMs: 200, videoFrames: 5 },
    false,
  );
}

function recorderWith(main: LiveHub, sub: LiveHub | null): CameraRecorder {
  return { main: { hub: main }, sub: sub === null ? null : { hub: sub } } as unknown as CameraRecorder;
}

function setup() {
  const events = createEventBus(createSilentLogger());
  const recorders = new Map<string, CameraRecorder>();
  const live = createLiveService({
    cameras: {
      get: ({ id }) => {
        if (id !== CAMERA) throw new ContractError('not_found', `No camera ${id}`);
        return {} as never;
      },
    },
    recording: { recorder: (id) => recorders.get(id) },
    events,
    logger: createSilentLogger(),
  });
  const received: string[] = [];
  const sink: LiveSink = {
    init: (mime, stream, data) => received.push(`init ${stream} ${mime} ${data.toString()}`),
    fragment: (data) => received.push(`fragment ${data.toString()}`) > 0,
    close: (reason, retry) => received.push(`close ${reason} ${retry}`),
  };
  return { events, recorders, live, received, sink };
}

describe('live service', () => {
  it('serves the sub stream when asked, from the cached keyframe, then each fragment', () => {
    const { recorders, live, received, sink } = setup();
    const main = new LiveHub();
    const sub = new LiveHub();
    recorders.set(CAMERA, recorderWith(main, sub));
    sub.setInit(init('avc1.42c01e'));
    sub.push(fragment(true, 'k1'));
    sub.push(fragment(false, 'd1'));
    const close = live.open(CAMERA, 'sub', sink);
    sub.push(fragment(false, 'd2'));
    main.push(fragment(true, 'main-only'));
    close();
    sub.push(fragment(false, 'after-close'));
    expect(received).toEqual([
      'init sub video/mp4; codecs="avc1.42c01e" init-avc1.42c01e',
      'fragment k1',
      'fragment d1',
      'fragment d2',
    ]);
    expect(live.viewerCount).toBe(0);
  });

  it('falls back to the main stream, waits while the camera is off and follows a new recorder', () => {
    const { events, recorders, live, received, sink } = setup();
    live.open(CAMERA, 'sub', sink);
    expect(received).toEqual([]);
    // The camera starts: a recorder appears (no sub stream), and its status change makes the viewer attach.
    const first = new LiveHub();
    first.setInit(init('avc1.640028'));
    recorders.set(CAMERA, recorderWith(first, null));
    events.emit('cameras.statusChanged', {
      id: CAMERA,
      status: 'recording',
      reason: null,
      nextAttemptAt: null,
    } as never);
    first.push(fragment(true, 'a'));
    // An edit replaces the recorder: the viewer moves to the new hub and gets its init first.
    const second = new LiveHub();
    recorders.set(CAMERA, recorderWith(second, null));
    events.emit('cameras.updated', { id: CAMERA } as never);
    first.push(fragment(true, 'old'));
    second.setInit(init('avc1.4d401f'));
    second.push(fragment(true, 'b'));
    events.emit('cameras.removed', { id: CAMERA });
    second.push(fragment(true, 'gone'));
    expect(received).toEqual([
      'init main video/mp4; codecs="avc1.640028" init-avc1.640028',
      'fragment a',
      'init main video/mp4; codecs="avc1.4d401f" init-avc1.4d401f',
      'fragment b',
      'close The camera was removed. false',
    ]);
    live.stop();
  });

  it('refuses an unknown camera or stream with a contract error', () => {
    const { live, sink } = setup();
    expect(() => live.open('cam-0000000000', 'main', sink)).toThrow(/No camera/);
    expect(() => live.open(CAMERA, 'hd', sink)).toThrow(ContractError);
    expect(() => live.open('../x', 'main', sink)).toThrow(ContractError);
    live.stop();
  });
});
