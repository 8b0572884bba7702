/**
 * The fragment index of one segment file, for players that read the file in ranges instead of whole: where its
 * init ends, its MSE type, and its groups of pictures (a keyframe fragment and the fragments after it up to the
 * next keyframe) with their byte ranges and decode times. Only box headers, the `moov` and the small `moof`
 * boxes are read; every `mdat` is skipped with a seek, so a 15-minute file at 16 Mb/s (about 4500 fragments)
 * costs some 4500 small reads from the page cache, done a few hundred per turn of the event loop.
 */
import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FragmentGroup, RecordingFragments } from '../../../common/contract/index.js';
import { mseMimeType, parseMoof, parseMoov, readBox, type Box } from '../ingest/fmp4.js';

export type FragmentIndex = Omit<RecordingFragments, 'segmentId'>;

/** An init (`ftyp` + `moov`) or a `moof` larger than this is not one the recorder wrote. */
const HEADER_BOX_MAX_BYTES = 16 * 1024 * 1024;
/** Fragments read between two turns of the event loop (a few ms of work). */
const FRAGMENTS_PER_TURN = 400;
/** One read usually takes a `moof` and the header of the `mdat` after it. */
const READ_BYTES = 4096;

/** Why a file cannot be indexed: not an MP4 the recorder wrote, or no video in it. */
export class UnreadableSegmentError extends Error {
  override name = 'UnreadableSegmentError';
}

function readExactly(fd: number, buffer: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** The box at the start of `buffer` (`available` bytes read), or null when it is cut short or malformed. */
function headerOf(buffer: Buffer, available: number, remaining: number): Box | null {
  let box: Box | null;
  try {
    box = readBox(buffer, 0, Math.min(available, remaining));
  } catch {
    return null;
  }
  // A size of 0 means "to the end of the file", which readBox measures from what was read.
  if (box !== null && buffer.readUInt32BE(0) === 0) box = { ...box, size: remaining };
  return box === null || box.size > remaining ? null : box;
}

/**
 * Reads the index of `file`. Throws `UnreadableSegmentError` when it is not a segment file (no `ftyp` + `moov`,
 * no video track, no whole video fragment), and the file system's error (ENOENT, ...) when it cannot be read.
 */
export async function readFragmentIndex(file: string): Promise<FragmentIndex> {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    let buffer = Buffer.allocUnsafe(READ_BYTES);
    const readAt = (position: number, length: number): number => {
      if (length > buffer.length) buffer = Buffer.allocUnsafe(length);
      return readExactly(fd, buffer, Math.min(length, fileSize - position), position);
    };

    const ftyp = headerOf(buffer, readAt(0, 16), fileSize);
    if (ftyp?.type !== 'ftyp') throw new UnreadableSegmentError('it does not start with an ftyp box');
    const moov = headerOf(buffer, readAt(ftyp.size, 16), fileSize - ftyp.size);
    if (moov?.type !== 'moov') throw new UnreadableSegmentError('it has no moov box after its ftyp');
    const initLength = ftyp.size + moov.size;
    if (initLength > HEADER_BOX_MAX_BYTES)
      throw new UnreadableSegmentError(`its init is ${initLength} bytes`);
    readAt(ftyp.size, moov.size);
    const tracks = parseMoov(buffer, { ...moov, start: 0 });
    const video = tracks.find((track) => track.kind === 'video');
    if (video === undefined) throw new UnreadableSegmentError('it has no video track');

    const groups: FragmentGroup[] = [];
    let current: FragmentGroup | null = null;
    /** Where the bytes of the next group start: fragments without video before it belong to it. */
    let pendingOffset: number | null = null;
    let end = initLength;
    let position = initLength;
    let count = 0;
    while (position + 8 <= fileSize) {
      const read = readAt(position, READ_BYTES);
      const box = headerOf(buffer, read, fileSize - position);
      if (box === null) break;
      if (box.type !== 'moof') {
        position += box.size;
        continue;
      }
      if (box.size > HEADER_BOX_MAX_BYTES)
        throw new UnreadableSegmentError(`a moof of ${box.size} bytes at byte ${position}`);
      const mdatAt = position + box.size;
      // The moof and the 16-byte header of the box after it.
      const available = box.size + 16 > read ? readAt(position, box.size + 16) : read;
      let mdat: Box | null = null;
      try {
        mdat = readBox(buffer, box.size, Math.min(available, fileSize - position));
        // Size 0: the mdat runs to the end of the file.
        if (mdat !== null && buffer.readUInt32BE(box.size) === 0) mdat = { ...mdat, size: fileSize - mdatAt };
      } catch {
        mdat = null;
      }
      // A fragment cut short (the one being written at a crash) ends the file for a player.
      if (mdat?.type !== 'mdat' || mdatAt + mdat.size > fileSize) break;
      let summary: ReturnType<typeof parseMoof>;
      try {
        summary = parseMoof(buffer, { ...box, start: 0 }, video);
      } catch (error) {
        throw new UnreadableSegmentError(
          `the fragment at byte ${position} is malformed (${(error as Error).message})`,
        );
      }
      const fragmentEnd = mdatAt + mdat.size;
      if (Number.isNaN(summary.startMs) || summary.videoFrames === 0) {
        // No video (an audio-only fragment): part of the group it follows, or of the next one.
        if (current === null) pendingOffset ??= position;
      } else if (current === null || summary.keyframe) {
        current = {
          offset: pendingOffset ?? position,
          length: 0,
          startMs: summary.startMs,
          durationMs: summary.durationMs,
          frames: summary.videoFrames,
          keyframe: summary.keyframe,
        };
        pendingOffset = null;
        groups.push(current);
      } else {
        current.durationMs += summary.durationMs;
        current.frames += summary.videoFrames;
      }
      end = fragmentEnd;
      position = fragmentEnd;
      count += 1;
      if (count % FRAGMENTS_PER_TURN === 0) await nextTurn();
    }
    // Each group runs to the next one; the last to the end of the last whole fragment.
    groups.forEach((group, index) => {
      group.length = (groups[index + 1]?.offset ?? end) - group.offset;
    });
    const first = groups[0];
    if (first === undefined) throw new UnreadableSegmentError('it has no whole video fragment');
    return {
      fileSize,
      initLength,
      mime: mseMimeType(tracks),
      videoCodec: video.codecString,
      firstMs: first.startMs,
      groups,
    };
  } finally {
    fs.closeSync(fd);
  }
}
