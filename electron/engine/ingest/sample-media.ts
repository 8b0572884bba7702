/**
 * Test support: short fragmented MP4 samples made by the installed FFmpeg, fragmented exactly like the ingest
 * output, and their init segment and fragments as the reader sees them. Used by tests only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fmp4Reader, type Fragment, type InitSegment } from './fmp4.js';

export interface SampleOptions {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** Adds an AAC sine track. */
  audio?: boolean;
}

/** H.264 with a keyframe every second and fragments of at most 200 ms, as one file's bytes. */
export function makeSampleFmp4(options: SampleOptions): Buffer {
  const { width, height, fps, seconds } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-sample-'));
  const file = path.join(dir, 'sample.mp4');
  try {
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
      ...(options.audio === true ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
      ...['-t', String(seconds)],
      ...[
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        String(fps),
        '-keyint_min',
        String(fps),
        '-sc_threshold',
        '0',
      ],
      ...(options.audio === true ? ['-c:a', 'aac'] : []),
      ...[
        '-f',
        'mp4',
        '-movflags',
        '+frag_keyframe+empty_moov+default_base_moof',
        '-frag_duration',
        '200000',
      ],
      file,
    ]);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The init segment and fragments of an fMP4 buffer. */
export function readSample(bytes: Buffer): { init: InitSegment; fragments: Fragment[] } {
  const found: { init: InitSegment | null; fragments: Fragment[] } = { init: null, fragments: [] };
  new Fmp4Reader({
    onInit: (segment) => (found.init = segment),
    onFragment: (fragment) => found.fragments.push(fragment),
  }).push(bytes);
  if (found.init === null) throw new Error('no init segment in the sample');
  return { init: found.init, fragments: found.fragments };
}
