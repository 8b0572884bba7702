/**
 * The fragment index on files shaped as the recorder writes them (FFmpeg's fragmented MP4 cut at keyframes by
 * the same code the tests of the export use): byte ranges that tile the file, decode times on the file's own
 * clock, keyframes, MSE types, and what a crash or a foreign file leaves.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mseMimeType } from '../ingest/fmp4.js';
import { makeSampleFmp4, readSample } from '../ingest/sample-media.js';
import { cutSample, type SampleSegment } from '../storage/export-samples.js';
import { readFragmentIndex, UnreadableSegmentError } from './fragment-index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-fragment-index-'));
let sample: Buffer;
let cut: SampleSegment[];

beforeAll(() => {
  // 10 fps with a keyframe every second and fragments of at most 200 ms: five fragments per group.
  sample = makeSampleFmp4({ width: 320, height: 240, fps: 10, seconds: 6, audio: true });
  cut = cutSample(sample, 3000);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('readFragmentIndex', () => {
  it('indexes a later file of a session: groups from keyframe to keyframe that tile the file', async () => {
    const second = cut[1];
    if (second === undefined) throw new Error('the sample has one segment');
    const index = await readFragmentIndex(write('second.mp4', second.bytes));
    const { init, fragments } = readSample(second.bytes);

    expect(index.fileSize).toBe(second.bytes.length);
    expect(index.initLength).toBe(init.data.length);
    expect(index.mime).toBe(mseMimeType(init.tracks));
    expect(index.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
    expect(index.videoCodec).toMatch(/^avc1\./);
    // Its decode times continue the session's: the file starts at the session's fourth keyframe, 3 s after
    // the second (the first frame of a sample with audio lasts longer: FFmpeg's audio priming).
    const sessionKeyframes = readSample(sample).fragments.filter((fragment) => fragment.keyframe);
    expect(index.firstMs).toBe(sessionKeyframes[3]?.startMs);
    expect(index.firstMs - (sessionKeyframes[1]?.startMs ?? 0)).toBeCloseTo(2000, 3);
    expect(index.firstMs).toBe(fragments[0]?.startMs);

    const keyframes = fragments.filter((fragment) => fragment.keyframe);
    expect(index.groups.map((group) => group.startMs)).toEqual(keyframes.map((fragment) => fragment.startMs));
    expect(index.groups.every((group) => group.keyframe)).toBe(true);
    // Contiguous from the end of the init to the end of the file.
    expect(index.groups[0]?.offset).toBe(index.initLength);
    for (const [i, group] of index.groups.entries()) {
      const next = index.groups[i + 1];
      expect(group.offset + group.length).toBe(next?.offset ?? index.fileSize);
      // Each range starts with a moof.
      expect(second.bytes.toString('latin1', group.offset + 4, group.offset + 8)).toBe('moof');
      expect(group.frames).toBe(10);
      expect(group.durationMs).toBeCloseTo(1000, 3);
    }
    const frames = fragments.reduce((sum, fragment) => sum + fragment.videoFrames, 0);
    expect(index.groups.reduce((sum, group) => sum + group.frames, 0)).toBe(frames);
    expect(index.groups.reduce((sum, group) => sum + group.length, 0)).toBe(
      fragments.reduce((sum, fragment) => sum + fragment.byteLength, 0),
    );
  });

  it('marks the first group of a file that starts mid-GOP (a recovered file) as not a keyframe', async () => {
    const { init, fragments } = readSample(sample);
    // The init, then the fragments from the second one on: the first keyframe is a second in.
    const bytes = Buffer.concat([init.data, ...fragments.slice(1).map((fragment) => fragment.data)]);
    const index = await readFragmentIndex(write('mid-gop.mp4', bytes));
    expect(index.groups[0]?.keyframe).toBe(false);
    expect(index.groups[0]?.offset).toBe(init.data.length);
    expect(index.firstMs).toBe(fragments[1]?.startMs);
    expect(index.groups.slice(1).every((group) => group.keyframe)).toBe(true);
    expect(index.groups[1]?.startMs).toBe(fragments.filter((fragment) => fragment.keyframe)[1]?.startMs);
  });

  it('leaves out a fragment cut short at the end (the one being written at a crash)', async () => {
    const first = cut[0];
    if (first === undefined) throw new Error('no segment');
    const whole = await readFragmentIndex(write('whole.mp4', first.bytes));
    const truncated = await readFragmentIndex(
      write('cut.mp4', first.bytes.subarray(0, first.bytes.length - 100)),
    );
    const last = whole.groups.at(-1);
    const lastCut = truncated.groups.at(-1);
    if (last === undefined || lastCut === undefined) throw new Error('no groups');
    expect(truncated.fileSize).toBe(first.bytes.length - 100);
    expect(truncated.groups.length).toBe(whole.groups.length);
    // The last group lost its last fragment: it ends where that fragment began.
    expect(lastCut.offset).toBe(last.offset);
    expect(lastCut.frames).toBeLessThan(last.frames);
    expect(lastCut.offset + lastCut.length).toBeLessThan(truncated.fileSize);
    expect(
      first.bytes.toString(
        'latin1',
        lastCut.offset + lastCut.length + 4,
        lastCut.offset + lastCut.length + 8,
      ),
    ).toBe('moof');
  });

  it('reads H.265 files: the hvc1 codec string', async () => {
    const file = path.join(dir, 'hevc.mp4');
    execFileSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '2'],
        ...['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1'],
        ...['-x265-params', 'keyint=10:min-keyint=10:scenecut=0:bframes=0:log-level=error'],
        ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', file],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const index = await readFragmentIndex(file);
    expect(index.videoCodec).toMatch(/^hvc1\.1\./);
    expect(index.mime).toBe(`video/mp4; codecs="${index.videoCodec}"`);
    expect(index.groups).toHaveLength(2);
  });

  it('refuses what is not a segment file, and passes a missing file on as ENOENT', async () => {
    const { init } = readSample(sample);
    await expect(readFragmentIndex(write('garbage.mp4', Buffer.alloc(4096, 7)))).rejects.toThrow(
      UnreadableSegmentError,
    );
    await expect(readFragmentIndex(write('init-only.mp4', init.data))).rejects.toThrow(
      'it has no whole video fragment',
    );
    await expect(readFragmentIndex(write('empty.mp4', Buffer.alloc(0)))).rejects.toThrow('ftyp');
    await expect(readFragmentIndex(path.join(dir, 'missing.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
