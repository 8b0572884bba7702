import { describe, expect, it } from 'vitest';
import { buildVodPlaylist, type VodSegment } from './hls.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function segment(
  id: number,
  startTime: number,
  durationMs: number,
  extra: Partial<VodSegment> = {},
): VodSegment {
  return {
    recordingId: 1,
    startTime,
    endTime: startTime + durationMs,
    durationMs,
    initLength: 800 + id,
    mediaLength: 100_000 + id,
    uri: `segments/${id}.mp4`,
    ...extra,
  };
}

function tags(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line !== '');
}

describe('buildVodPlaylist', () => {
  it('writes a version 7 VOD playlist with one map, byte range and date per segment file', () => {
    const playlist = buildVodPlaylist([segment(1, T0, 4000), segment(2, T0 + 4000, 4100)]);
    expect(tags(playlist)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:5',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-DISCONTINUITY-SEQUENCE:0',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="segments/1.mp4",BYTERANGE="801@0"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:00.000Z',
      '#EXTINF:4.000,',
      '#EXT-X-BYTERANGE:100001@801',
      'segments/1.mp4',
      '#EXT-X-MAP:URI="segments/2.mp4",BYTERANGE="802@0"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:04.000Z',
      '#EXTINF:4.100,',
      '#EXT-X-BYTERANGE:100002@802',
      'segments/2.mp4',
      '#EXT-X-ENDLIST',
    ]);
    expect(playlist.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
  });

  it('sets the target duration to the longest segment rounded up', () => {
    const playlist = buildVodPlaylist([
      segment(1, T0, 2000),
      segment(2, T0 + 2000, 6001),
      segment(3, T0 + 8001, 500),
    ]);
    expect(playlist).toContain('#EXT-X-TARGETDURATION:7\n');
    expect(buildVodPlaylist([segment(1, T0, 6000)])).toContain('#EXT-X-TARGETDURATION:6\n');
    expect(buildVodPlaylist([segment(1, T0, 300)])).toContain('#EXT-X-TARGETDURATION:1\n');
  });

  it('puts a discontinuity at gaps over 250 ms, not at small jitter', () => {
    const playlist = buildVodPlaylist([
      segment(1, T0, 4000),
      segment(2, T0 + 4200, 4000), // 200 ms: contiguous
      segment(3, T0 + 8200 + 251, 4000), // 251 ms: a gap
    ]);
    const lines = tags(playlist);
    expect(lines.filter((line) => line === '#EXT-X-DISCONTINUITY')).toHaveLength(1);
    const at = lines.indexOf('#EXT-X-DISCONTINUITY');
    expect(lines[at + 1]).toBe('#EXT-X-MAP:URI="segments/3.mp4",BYTERANGE="803@0"');
    expect(lines[at + 2]).toBe('#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:08.451Z');
  });

  it('puts a discontinuity where the run changes (decode times restart), even when contiguous', () => {
    const playlist = buildVodPlaylist([
      segment(1, T0, 4000),
      segment(2, T0 + 4000, 4000, { recordingId: 2 }),
      segment(3, T0 + 8000, 4000, { recordingId: 2 }),
    ]);
    const lines = tags(playlist);
    expect(lines.filter((line) => line === '#EXT-X-DISCONTINUITY')).toHaveLength(1);
    expect(lines[lines.indexOf('#EXT-X-DISCONTINUITY') + 1]).toContain('segments/2.mp4');
  });

  it('puts a discontinuity where the caller skipped a file, never before the first segment', () => {
    const playlist = buildVodPlaylist([
      segment(1, T0, 4000, { discontinuity: true }),
      segment(3, T0 + 4000, 4000, { discontinuity: true }),
    ]);
    const lines = tags(playlist);
    expect(lines.filter((line) => line === '#EXT-X-DISCONTINUITY')).toHaveLength(1);
    expect(lines[lines.indexOf('#EXT-X-DISCONTINUITY') + 1]).toContain('segments/3.mp4');
  });

  it('refuses an empty list and a URI that would break the playlist', () => {
    expect(() => buildVodPlaylist([])).toThrow(/at least one/);
    expect(() => buildVodPlaylist([segment(1, T0, 4000, { uri: 'a"b' })])).toThrow(/Unusable URI/);
  });
});
