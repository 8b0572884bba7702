import { describe, expect, it } from 'vitest';
import type { OnvifProfile } from '../../../common/contract/index.js';
import { suggestStreams } from './suggest.js';

function profile(
  token: string,
  encoding: string,
  width: number,
  height: number,
  streamUrl: string | null = `rtsp://10.0.0.5/${token}`,
): OnvifProfile {
  return {
    token,
    name: token,
    service: 'media2',
    encoding,
    width,
    height,
    fps: 25,
    streamUrl,
    streamProblem: streamUrl === null ? 'no URL' : null,
  };
}

describe('suggestStreams', () => {
  it('proposes the largest stream to record and a smaller H.264 one for tiles and detection', () => {
    expect(
      suggestStreams([
        profile('sub', 'H264', 640, 360),
        profile('main', 'H264', 1920, 1080),
        profile('third', 'H264', 1280, 720),
      ]),
    ).toEqual({ main: 'main', sub: 'third' });
  });

  it('prefers an H.264 sub stream over a larger H.265 one, and H.264 at equal main size', () => {
    expect(
      suggestStreams([
        profile('main265', 'H265', 3840, 2160),
        profile('sub265', 'H265', 1280, 720),
        profile('sub264', 'H264', 640, 360),
      ]),
    ).toEqual({ main: 'main265', sub: 'sub264' });
    expect(suggestStreams([profile('a', 'H265', 1920, 1080), profile('b', 'H264', 1920, 1080)]).main).toBe(
      'b',
    );
  });

  it('never proposes the same URL twice, a JPEG profile, or a profile without a URL', () => {
    expect(
      suggestStreams([
        profile('main', 'H264', 1920, 1080, 'rtsp://10.0.0.5/one'),
        profile('same', 'H264', 640, 360, 'rtsp://10.0.0.5/one'),
        profile('jpeg', 'JPEG', 640, 360),
        profile('broken', 'H264', 320, 240, null),
      ]),
    ).toEqual({ main: 'main', sub: null });
    expect(suggestStreams([profile('jpeg', 'JPEG', 640, 360)])).toEqual({ main: null, sub: null });
    expect(suggestStreams([])).toEqual({ main: null, sub: null });
  });

  it('does not offer an equal-size stream as the sub stream', () => {
    expect(suggestStreams([profile('a', 'H264', 1280, 720), profile('b', 'H264', 1280, 720)])).toEqual({
      main: 'a',
      sub: null,
    });
  });
});
