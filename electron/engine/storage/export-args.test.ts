import { describe, expect, it } from 'vitest';
import { buildConcatList, buildExportArgs, parseProgressTime, quoteConcatPath } from './export-args.js';

describe('buildExportArgs', () => {
  it('concatenates with stream copy into a faststart MP4, progress on stdout', () => {
    expect(buildExportArgs({ listFile: '/x/.exp-1.ffconcat', output: '/x/.exp-1.mp4.partial' })).toEqual([
      '-hide_banner',
      '-nostats',
      '-loglevel',
      'error',
      '-nostdin',
      '-progress',
      'pipe:1',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      '/x/.exp-1.ffconcat',
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      '-y',
      '/x/.exp-1.mp4.partial',
    ]);
  });
});

describe('buildConcatList', () => {
  it('gives every file its duration and the cuts in seconds', () => {
    expect(
      buildConcatList([
        { file: '/r/cam/a.mp4', durationMs: 7000, inpointMs: 3000 },
        { file: '/r/cam/b.mp4', durationMs: 10_021.406 },
        { file: '/r/cam/c.mp4', durationMs: 4500, outpointMs: 44_500 },
      ]),
    ).toBe(
      [
        'ffconcat version 1.0',
        "file '/r/cam/a.mp4'",
        'duration 7.000000',
        'inpoint 3.000000',
        "file '/r/cam/b.mp4'",
        'duration 10.021406',
        "file '/r/cam/c.mp4'",
        'duration 4.500000',
        'outpoint 44.500000',
        '',
      ].join('\n'),
    );
  });

  it('refuses an empty list and entries without duration', () => {
    expect(() => buildConcatList([])).toThrow(/at least one segment/);
    expect(() => buildConcatList([{ file: '/a.mp4', durationMs: 0 }])).toThrow(/no duration/);
  });

  it('quotes single quotes and refuses line breaks', () => {
    expect(quoteConcatPath("/media/o'brien/rec/a.mp4")).toBe("'/media/o'\\''brien/rec/a.mp4'");
    expect(quoteConcatPath('/media/with space/a.mp4')).toBe("'/media/with space/a.mp4'");
    expect(() => quoteConcatPath('/media/a\nfile x.mp4')).toThrow(/line break/);
  });
});

describe('parseProgressTime', () => {
  it('takes the last complete out_time_us and ignores negative or missing values', () => {
    const block = 'frame=10\nout_time_us=1500000\nout_time_ms=1500000\nprogress=continue\n';
    expect(parseProgressTime(block)).toBe(1500);
    expect(parseProgressTime(`${block}out_time_us=2750000\nprogress=end\n`)).toBe(2750);
    expect(parseProgressTime('out_time_us=-9223372036854775807\n')).toBeNull();
    expect(parseProgressTime('progress=continue\n')).toBeNull();
  });
});
