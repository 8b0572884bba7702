import { describe, expect, it } from 'vitest';
import type { StreamProbe } from '../../../common/contract/index.js';
import { streamAdvice } from './stream-advice.js';

type Video = Extract<StreamProbe, { ok: true }>['video'];
const stream = (
  video: Partial<Video> = {},
  audio: Extract<StreamProbe, { ok: true }>['audio'] = null,
): StreamProbe => ({
  ok: true,
  video: {
    codec: 'h264',
    profile: 'Main',
    width: 1920,
    height: 1080,
    fps: 25,
    keyframeIntervalSeconds: 1,
    keyframesSeen: 6,
    probedSeconds: 6,
    ...video,
  },
  audio,
});
const codes = (advice: ReturnType<typeof streamAdvice>) => advice.map((entry) => entry.code);

describe('streamAdvice', () => {
  it('says which stream does what, and nothing more for a well-set camera', () => {
    const advice = streamAdvice(stream(), stream({ width: 640, height: 360 }));
    expect(codes(advice)).toEqual(['roles']);
    expect(advice[0]?.message).toContain(
      'sub stream (640×360 H.264 at 25 fps) feeds grid tiles and detection',
    );
  });

  it('warns about H.265 on the main and the sub stream', () => {
    const advice = streamAdvice(
      stream({ codec: 'hevc' }),
      stream({ codec: 'hevc', width: 640, height: 360 }),
    );
    expect(codes(advice)).toEqual(['roles', 'h265_browser', 'sub_h265']);
    expect(advice.filter((entry) => entry.level === 'warning')).toHaveLength(2);
  });

  it('warns about a keyframe interval over 4 s, and about one too long to measure', () => {
    const slow = streamAdvice(stream({ keyframeIntervalSeconds: 10 }), null);
    expect(codes(slow)).toContain('keyframe_interval');
    expect(slow.find((entry) => entry.code === 'keyframe_interval')?.message).toContain('every 10 s');
    expect(codes(streamAdvice(stream({ keyframeIntervalSeconds: 4 }), null))).not.toContain(
      'keyframe_interval',
    );
    const unknown = streamAdvice(stream({ keyframeIntervalSeconds: null, keyframesSeen: 1 }), null);
    expect(codes(unknown)).toContain('keyframe_unknown');
  });

  it('warns about a big camera without a sub stream, and about swapped URLs', () => {
    expect(codes(streamAdvice(stream({ width: 3840, height: 2160 }), null))).toContain('no_sub_stream');
    expect(codes(streamAdvice(stream(), null))).not.toContain('no_sub_stream');
    expect(codes(streamAdvice(stream({ width: 640, height: 360 }), stream()))).toContain('sub_not_smaller');
  });

  it('says non-AAC audio is converted, and gives no advice when the main stream failed', () => {
    const advice = streamAdvice(stream({}, { codec: 'pcm_alaw', sampleRate: 8000, channels: 1 }), null);
    expect(codes(advice)).toContain('audio_converted');
    expect(
      codes(streamAdvice(stream({}, { codec: 'aac', sampleRate: 48000, channels: 1 }), null)),
    ).not.toContain('audio_converted');
    expect(streamAdvice({ ok: false, failure: 'timeout', message: 'x' }, null)).toEqual([]);
  });
});
