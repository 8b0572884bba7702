/**
 * Reads what an export needs from a segment file without reading its media: the tracks (from `moov`) and, per
 * fragment, the video decode time and whether it starts on a keyframe (from each `moof`). Only box headers
 * and the small `moov`/`moof` boxes are read; every `mdat` is skipped with a seek.
 */
import fs from 'node:fs';
import { parseMoof, parseMoov, type TrackInfo } from '../ingest/fmp4.js';

export interface SegmentFragmentTime {
  /** Video decode time of the fragment's first sample, in the file's own clock (ms). */
  startMs: number;
  durationMs: number;
  keyframe: boolean;
}

export interface SegmentMedia {
  tracks: TrackInfo[];
  /** Fragments with video, in file order; only the first when `firstOnly` was asked. */
  fragments: SegmentFragmentTime[];
}

/** Largest `moov`/`moof` read into memory; real ones are a few KB. */
const MAX_HEADER_BOX_BYTES = 4 * 1024 * 1024;

function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/**
 * Reads the tracks and fragment times of a fragmented MP4 segment. Throws with the file's name when it is not
 * one (no `moov`, or no video fragment).
 */
export function readSegmentMedia(file: string, options: { firstOnly?: boolean } = {}): SegmentMedia {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let tracks: TrackInfo[] | null = null;
    let video: TrackInfo | undefined;
    const fragments: SegmentFragmentTime[] = [];
    let position = 0;
    while (position + 8 <= size) {
      const head = readExactly(fd, 16, position);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1) {
        if (head.length < 16) break;
        boxSize = Number(head.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) {
        boxSize = size - position;
      }
      // A box cut short (the fragment being written at a crash) ends the file for us.
      if (boxSize < headerSize || position + boxSize > size) break;
      if (type === 'moov' || type === 'moof') {
        if (boxSize > MAX_HEADER_BOX_BYTES) throw new Error(`${file}: ${type} box of ${boxSize} bytes`);
        const buffer = readExactly(fd, boxSize, position);
        const box = { type, start: 0, headerSize, size: boxSize };
        if (type === 'moov') {
          tracks = parseMoov(buffer, box);
          video = tracks.find((track) => track.kind === 'video');
        } else {
          const summary = parseMoof(buffer, box, video);
          if (summary.videoFrames > 0) {
            fragments.push({
              startMs: summary.startMs,
              durationMs: summary.durationMs,
              keyframe: summary.keyframe,
            });
            if (options.firstOnly === true) break;
          }
        }
      }
      position += boxSize;
    }
    if (tracks === null) throw new Error(`${file} has no moov box (not an MP4 segment)`);
    if (fragments.length === 0) throw new Error(`${file} has no video fragments`);
    return { tracks, fragments };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What must match between segments for FFmpeg's concat demuxer to copy them into one file: every track's kind,
 * codec and picture size. A camera whose settings changed between runs gives a different signature.
 */
export function trackSignature(tracks: readonly TrackInfo[]): string {
  return tracks
    .map((track) => `${track.kind}:${track.codec}:${track.width ?? 0}x${track.height ?? 0}`)
    .join(',');
}

/**
 * The keyframe to start at for a cut at `targetMs` (file clock): the last one at or before it, so the export
 * never starts after the moment asked for; the first keyframe when the target precedes them all.
 */
export function keyframeAtOrBefore(fragments: readonly SegmentFragmentTime[], targetMs: number): number {
  let chosen: number | null = null;
  for (const fragment of fragments) {
    if (!fragment.keyframe) continue;
    // A millisecond of slack: times converted between clocks may round just past the keyframe.
    if (fragment.startMs <= targetMs + 1) chosen = fragment.startMs;
    else break;
  }
  if (chosen !== null) return chosen;
  const first = fragments.find((fragment) => fragment.keyframe);
  return first?.startMs ?? fragments[0]?.startMs ?? 0;
}
