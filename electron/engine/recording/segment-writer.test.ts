import { makeSampleFmp4, readSample } from '../ingest/sample-media.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Fmp4Reader, type Fragment, type InitSegment } from '../ingest/fmp4.js';
import { createSilentLogger } from '../logging/logger.js';
import { segmentRelativePath, toAbsolute } from './segment-path.js';
import { SegmentWriter, type ClosedSegment, type SegmentWriterOptions } from './segment-writer.js';

const CAMERA = 'cam-0123456789';
/** 1.5 s before UTC midnight: the second segment lands in the next day's folder. */
const BASE = Date.UTC(2026, 0, 1, 23, 59, 58, 500);

let init: InitSegment;
let fragments: Fragment[];

/** Six seconds of 25 fps video, a keyframe every second, fragments of at most 200 ms: what the ingest reads. */
beforeAll(() => {
  ({ init, fragments } = readSample(makeSampleFmp4({ width: 320, height: 240, fps: 25, seconds: 6 })));
});

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-writer-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

interface Run {
  writer: SegmentWriter;
  closed: ClosedSegment[];
  /** The file size on disk at the moment each segment was reported closed. */
  sizeAtClose: number[];
  errors: NodeJS.ErrnoException[];
}

function createWriter(options: Partial<SegmentWriterOptions> = {}): Run {
  const run: Run = { writer: undefined as unknown as SegmentWriter, closed: [], sizeAtClose: [], errors: [] };
  const recordingsDir = options.recordingsDir ?? root;
  run.writer = new SegmentWriter({
    cameraId: CAMERA,
    recordingsDir,
    segmentMs: 2000,
    logger: createSilentLogger(),
    onClosed: (segment) => {
      run.closed.push(segment);
      run.sizeAtClose.push(fs.statSync(toAbsolute(recordingsDir, segment.filePath)).size);
    },
    onError: (error) => run.errors.push(error),
    ...options,
  });
  run.writer.setInit(init);
  return run;
}

function feed(writer: SegmentWriter, from: Fragment[], base = BASE): void {
  for (const fragment of from) writer.push(fragment, base + fragment.startMs);
}

function readSegment(file: string): { init: InitSegment | null; fragments: Fragment[] } {
  const found: { init: InitSegment | null; fragments: Fragment[] } = { init: null, fragments: [] };
  new Fmp4Reader({
    onInit: (segment) => (found.init = segment),
    onFragment: (fragment) => found.fragments.push(fragment),
  }).push(fs.readFileSync(file));
  return found;
}

function probe(file: string): string {
  return execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'csv=p=0'],
      file,
    ],
    { encoding: 'utf8' },
  ).trim();
}

describe('SegmentWriter', () => {
  it('cuts at the first keyframe after the target into contiguous files that each play on their own', async () => {
    const run = createWriter();
    feed(run.writer, fragments);
    expect(run.writer.currentFile).toBe(segmentRelativePath(CAMERA, BASE + 4000));
    await run.writer.finish();
    expect(run.writer.currentFile).toBeNull();
    expect(run.errors).toEqual([]);

    expect(run.closed.map((segment) => [segment.filePath, segment.startTime, segment.endTime])).toEqual([
      [`${CAMERA}/2026-01-01/23/59-58.mp4`, BASE, BASE + 2000],
      [`${CAMERA}/2026-01-02/00/00-00.mp4`, BASE + 2000, BASE + 4000],
      [`${CAMERA}/2026-01-02/00/00-02.mp4`, BASE + 4000, BASE + 6000],
    ]);
    for (let index = 1; index < run.closed.length; index += 1) {
      expect(run.closed[index]!.startTime).toBe(run.closed[index - 1]!.endTime);
    }
    const keyframeTimes = new Set(fragments.filter((f) => f.keyframe).map((f) => BASE + f.startMs));
    for (const [index, segment] of run.closed.entries()) {
      expect(keyframeTimes.has(segment.startTime)).toBe(true);
      expect(segment.durationMs).toBe(2000);
      expect(segment.videoFrames).toBe(50);
      const file = toAbsolute(root, segment.filePath);
      const bytes = fs.readFileSync(file);
      expect(segment.fileSize).toBe(bytes.length);
      // Reported only once every byte was on disk.
      expect(run.sizeAtClose[index]).toBe(bytes.length);
      expect(bytes.subarray(0, init.data.length).equals(init.data)).toBe(true);
      const contents = readSegment(file);
      expect(contents.fragments[0]!.keyframe).toBe(true);
      expect(contents.fragments.reduce((total, f) => total + f.videoFrames, 0)).toBe(50);
      expect(probe(file)).toBe('h264,video,320,240,50');
    }
    expect(run.writer.bytesWritten).toBe(run.closed.reduce((total, segment) => total + segment.fileSize, 0));
  });

  it('never cuts between keyframes: a 2.5 s target gives 3 s segments', async () => {
    const run = createWriter({ segmentMs: 2500 });
    feed(run.writer, fragments);
    await run.writer.finish();
    expect(run.closed.map((segment) => [segment.startTime - BASE, segment.durationMs])).toEqual([
      [0, 3000],
      [3000, 3000],
    ]);
  });

  it('restates a segment start when the wall-clock anchor tightens, but not for a jump', async () => {
    const run = createWriter({ segmentMs: 2500 });
    // The first fragments waited 800 ms in FFmpeg's probe buffer; from the fifth on the anchor is 800 ms lower.
    fragments.forEach((fragment, index) =>
      run.writer.push(fragment, BASE + fragment.startMs + (index < 4 ? 800 : 0)),
    );
    await run.writer.finish();
    expect(run.closed.map((segment) => [segment.startTime - BASE, segment.durationMs])).toEqual([
      [0, 3000],
      [3000, 3000],
    ]);
    const jumped = createWriter({ segmentMs: 10_000 });
    fragments.forEach((fragment, index) =>
      jumped.writer.push(fragment, BASE + fragment.startMs + (index < 4 ? 0 : -5000)),
    );
    await jumped.writer.finish();
    expect(jumped.closed[0]!.startTime).toBe(BASE);
  });

  it('skips fragments until the first keyframe', async () => {
    const run = createWriter();
    const firstKeyframe = fragments.findIndex((f, index) => index > 0 && f.keyframe);
    feed(run.writer, fragments.slice(1));
    await run.writer.finish();
    expect(run.writer.skippedBeforeKeyframe).toBe(firstKeyframe - 1);
    expect(run.closed[0]!.startTime).toBe(BASE + 1000);
    expect(run.closed.map((segment) => segment.durationMs)).toEqual([2000, 2000, 1000]);
  });

  it('ignores fragments before the init segment', async () => {
    const run = createWriter();
    const fresh = new SegmentWriter({
      cameraId: CAMERA,
      recordingsDir: root,
      segmentMs: 2000,
      logger: createSilentLogger(),
      onClosed: (segment) => run.closed.push(segment),
      onError: (error) => run.errors.push(error),
    });
    feed(fresh, fragments.slice(0, 5));
    await fresh.finish();
    expect(run.closed).toEqual([]);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('adds _1, _2 for a name taken in the same second and never overwrites a file', async () => {
    const taken = toAbsolute(root, segmentRelativePath(CAMERA, BASE));
    fs.mkdirSync(path.dirname(taken), { recursive: true });
    fs.writeFileSync(taken, 'precious footage');

    const first = createWriter();
    feed(first.writer, fragments.slice(0, 5));
    await first.writer.finish();
    // A restart a moment later, in the same second.
    const second = createWriter();
    feed(second.writer, fragments.slice(0, 5), BASE + 300);
    await second.writer.finish();

    expect(first.closed.map((segment) => segment.filePath)).toEqual([`${CAMERA}/2026-01-01/23/59-58_1.mp4`]);
    expect(second.closed.map((segment) => segment.filePath)).toEqual([`${CAMERA}/2026-01-01/23/59-58_2.mp4`]);
    expect(fs.readFileSync(taken, 'utf8')).toBe('precious footage');
    expect(fs.readdirSync(path.dirname(taken)).sort()).toEqual(['59-58.mp4', '59-58_1.mp4', '59-58_2.mp4']);
  });

  it('reports a failed write through onError, promptly, and never as a closed segment', async () => {
    const notADirectory = path.join(root, 'recordings');
    fs.writeFileSync(notADirectory, 'a file where the recordings folder should be');
    const run = createWriter({ recordingsDir: notADirectory });
    feed(run.writer, fragments.slice(0, 5));
    // The session hears of it while the segment is still open, not only when it would have closed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(run.errors.map((error) => error.code)).toEqual(['ENOTDIR']);
    feed(run.writer, fragments.slice(5));
    await run.writer.finish();
    expect(run.closed).toEqual([]);
    // One report per segment tried (three), none twice.
    expect(run.errors.map((error) => error.code)).toEqual(['ENOTDIR', 'ENOTDIR', 'ENOTDIR']);
    expect(run.writer.bytesWritten).toBe(0);
    // Every fragment that could not be written is counted as lost.
    expect(run.writer.droppedFragments).toBe(fragments.length - run.writer.skippedBeforeKeyframe);
  });
});
