/**
 * Writes one export: a regular MP4 whose index (`moov`) precedes one `mdat`, built from parts of our segment
 * files without FFmpeg. `ExportBuilder.add` takes a segment's fragments (from a keyframe, up to a time), turns
 * each `trun` into one chunk and its samples into the sample tables, and notes which byte ranges of the file
 * hold them; `writeExport` writes the index, then copies those ranges in blocks (one read of up to 2 MiB,
 * then one `writev` of the ranges in it, on libuv's threads with two blocks in flight, so the event loop stays
 * free and cancel and progress run between blocks).
 *
 * Timestamps: each track's samples keep their durations, so the file plays straight on across segments and
 * across the gaps between them. At each new piece the audio is realigned to the video (its last sample
 * before the piece is lengthened or shortened), so a gap never shifts the sound against the picture.
 */
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SegmentSource } from './export-source.js';
import { buildMp4Head, Mp4Track, type Mp4Head } from './mp4-writer.js';

/** Thrown by `writeExport` when its signal aborted it. */
export class ExportCancelledError extends Error {
  constructor() {
    super('The export was cancelled');
    this.name = 'ExportCancelledError';
  }
}

/** Byte ranges of one segment file to copy, in order: `[start, end)` pairs. */
interface FileRanges {
  file: string;
  ranges: number[];
}

export interface ExportSelection {
  source: SegmentSource;
  /** Index of the fragment to start at (a keyframe fragment). */
  firstFragment: number;
  /** Samples whose decode time is at or after this (file clock, ms) are left out; Infinity keeps all. */
  endMs: number;
}

const toSeconds = (units: number, track: { timescale: number }): number => units / track.timescale;

/** Collects the samples and byte ranges of an export, piece by piece, in play order. */
export class ExportBuilder {
  private video: Mp4Track | null = null;
  private audio: Mp4Track | null = null;
  /** Where the first piece's audio starts against its video (seconds): the alignment kept throughout. */
  private audioLead = 0;
  private readonly files: FileRanges[] = [];
  /** Bytes of media so far: the next chunk's offset in the `mdat` payload. */
  payloadBytes = 0;

  /** The output tracks: video, then audio when the first piece has it. */
  get tracks(): Mp4Track[] {
    return [this.video, this.audio].filter((track): track is Mp4Track => track !== null);
  }

  /** Output duration of the video so far, in seconds. */
  get videoSeconds(): number {
    return this.video === null ? 0 : this.video.duration / this.video.source.timescale;
  }

  /**
   * Adds one piece. The caller has checked that `source` matches the first piece (`sourceMismatch`); a piece
   * with no video sample in the selection adds nothing and returns false.
   */
  add(selection: ExportSelection): boolean {
    const { source, firstFragment, endMs } = selection;
    const fragments = source.fragments.slice(firstFragment);
    const videoStart = fragments.find((fragment) => !Number.isNaN(fragment.startMs))?.startMs;
    if (videoStart === undefined || !(endMs > videoStart)) return false;
    const first = this.video === null;
    const video = (this.video ??= new Mp4Track({ ...source.video, kind: 'video' }));
    // Audio only when the first piece has it: a later piece cannot add a track to a file already begun.
    if (first && source.audio !== null) this.audio = new Mp4Track({ ...source.audio, kind: 'audio' });
    const audio = source.audio === null ? null : this.audio;

    const firstDecode = new Map<number, number>();
    const videoAt = video.duration;
    const audioAt = audio?.duration ?? 0;
    const audioSamplesBefore = audio?.sampleCount ?? 0;
    let earliestPresentation = Number.POSITIVE_INFINITY;
    let videoFirstFragment = true;
    for (const fragment of fragments) {
      for (const run of fragment.runs) {
        const isVideo = run.trackId === source.video.id;
        const isAudio = audio !== null && run.trackId === source.audio?.id;
        if (!isVideo && !isAudio) continue;
        const track = isVideo ? video : audio;
        if (track === null) continue;
        const timescale = track.source.timescale;
        const endUnits = (endMs * timescale) / 1000;
        let decodeTime = run.decodeTime;
        let count = 0;
        let bytes = 0;
        for (let index = 0; index < run.sizes.length; index += 1) {
          if (decodeTime >= endUnits) break;
          const offset = run.compositionOffsets?.[index] ?? 0;
          if (isVideo && videoFirstFragment) {
            earliestPresentation = Math.min(earliestPresentation, decodeTime + offset);
          }
          if (!firstDecode.has(run.trackId)) firstDecode.set(run.trackId, decodeTime);
          const size = run.sizes[index] ?? 0;
          track.addSample(size, run.durations[index] ?? 0, run.sync[index] ?? true, offset);
          decodeTime += run.durations[index] ?? 0;
          bytes += size;
          count += 1;
        }
        if (count === 0) continue;
        track.addChunk(this.payloadBytes, count, run.descriptionIndex);
        this.addRange(source.file, run.dataOffset, run.dataOffset + bytes);
      }
      if (!Number.isNaN(fragment.startMs)) videoFirstFragment = false;
    }

    const videoDecode = firstDecode.get(source.video.id);
    const audioDecode = source.audio === null ? undefined : firstDecode.get(source.audio.id);
    if (videoDecode === undefined) return video.duration > videoAt;
    const lead =
      audio !== null && audioDecode !== undefined
        ? toSeconds(audioDecode, audio.source) - toSeconds(videoDecode, video.source)
        : 0;
    if (first) {
      // The movie starts with the first picture shown: B-frames delay it by the first composition offset.
      video.compositionShift = Number.isFinite(earliestPresentation)
        ? Math.max(0, earliestPresentation - videoDecode)
        : 0;
      const skip = toSeconds(video.compositionShift, video.source);
      this.audioLead = lead;
      if (audio !== null) audio.startOffsetSeconds = lead - skip;
    } else if (audio !== null && audioDecode !== undefined && audioAt > 0) {
      // This piece's audio belongs `lead` after its video, which starts `videoAt` into the track.
      const target = Math.round(
        (toSeconds(videoAt, video.source) + lead - this.audioLead) * audio.source.timescale,
      );
      // The previous piece's last audio sample absorbs the difference.
      audio.stretchSample(audioSamplesBefore - 1, target - audioAt);
    }
    return true;
  }

  private addRange(file: string, start: number, end: number): void {
    this.payloadBytes += end - start;
    const last = this.files[this.files.length - 1];
    if (last?.file === file) {
      const { ranges } = last;
      if (ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
      else ranges.push(start, end);
      return;
    }
    this.files.push({ file, ranges: [start, end] });
  }

  /** The byte ranges to copy, per file, in output order. */
  get ranges(): readonly FileRanges[] {
    return this.files;
  }
}

export interface WriteExportOptions {
  builder: ExportBuilder;
  /** The partial file; created or replaced. */
  output: string;
  /** Unix ms: the movie's creation time (the first frame's). */
  creationTime: number;
  /** Fraction of the media copied, 0..1; called after every block. */
  onProgress?: (fraction: number) => void;
  signal: AbortSignal;
  /** Size of one read (default 2 MiB). */
  blockBytes?: number;
  /** Copy no faster than this (bytes of media per second); unlimited by default. */
  maxBytesPerSecond?: number;
  /** Passed to `buildMp4Head` (tests reach the 64-bit paths with a small one). */
  uint32Limit?: number;
}

/**
 * One read's size. 8 MiB blocks made the copy two to three times slower and erratic (bench:storage's export against file copy: 0.34–0.54 at 8 MiB,
 * 0.78–0.91 at 2 MiB, alternated in one sitting), most likely because a 2 MiB buffer stays in the CPU's
 * cache between the read that fills it and the write that empties it.
 */
export const DEFAULT_BLOCK_BYTES = 2 * 1024 * 1024;
/** Most buffers one `writev` takes (IOV_MAX on Linux and macOS). */
const MAX_IOVECS = 1024;
/** Blocks copied at once when the copy is not paced. */
const COPY_LANES = 2;

interface BlockPlan {
  file: string;
  /** File offset of the block's first byte. */
  position: number;
  length: number;
  /** The ranges inside this block, as `[start, end)` file offsets. */
  slices: number[];
}

/**
 * Splits each file's ranges into blocks of at most `blockBytes` read bytes; a block holds consecutive ranges
 * in ascending order, and a range longer than a block continues in the next one.
 */
function* blocksOf(files: readonly FileRanges[], blockBytes: number): Generator<BlockPlan> {
  for (const { file, ranges } of files) {
    let index = 0;
    let from = ranges[0] ?? 0;
    while (index < ranges.length) {
      const start = from;
      const limit = start + blockBytes;
      const slices: number[] = [];
      let end = start;
      while (index < ranges.length && from >= end && from < limit) {
        const rangeEnd = ranges[index + 1] ?? from;
        const to = Math.min(limit, rangeEnd);
        slices.push(from, to);
        end = to;
        if (to < rangeEnd) {
          from = to;
          break;
        }
        index += 2;
        from = ranges[index] ?? 0;
      }
      yield { file, position: start, length: end - start, slices };
    }
  }
}

/** Writes `buffers` at `position` with `writev` (at most IOV_MAX at a time), going on after a short write. */
async function writeAll(
  output: fsp.FileHandle,
  buffers: readonly Buffer[],
  position: number,
): Promise<number> {
  let written = 0;
  for (let first = 0; first < buffers.length; first += MAX_IOVECS) {
    let batch = buffers.slice(first, first + MAX_IOVECS);
    let bytes = batch.reduce((total, buffer) => total + buffer.length, 0);
    while (bytes > 0) {
      const { bytesWritten } = await output.writev(batch, position + written);
      if (bytesWritten === 0) throw Object.assign(new Error('A write made no progress'), { code: 'EIO' });
      written += bytesWritten;
      bytes -= bytesWritten;
      if (bytes === 0) break;
      let skip = bytesWritten;
      const rest: Buffer[] = [];
      for (const buffer of batch) {
        if (skip >= buffer.length) skip -= buffer.length;
        else {
          rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
          skip = 0;
        }
      }
      batch = rest;
    }
  }
  return written;
}

/**
 * Writes the export: the head (`ftyp`, `moov`, `mdat` header), then the media copied from the segment files.
 * Checks the signal between blocks (rejecting with `ExportCancelledError`); the caller removes the partial
 * file on failure. Resolves with the head that was written.
 */
export async function writeExport(options: WriteExportOptions): Promise<Mp4Head> {
  const { builder, signal } = options;
  const aborted = (): boolean => signal.aborted;
  if (aborted()) throw new ExportCancelledError();
  const tracks = builder.tracks;
  const total = builder.payloadBytes;
  const head = buildMp4Head(tracks, {
    payloadBytes: total,
    creationTime: options.creationTime,
    ...(options.uint32Limit === undefined ? {} : { uint32Limit: options.uint32Limit }),
  });
  const rate = options.maxBytesPerSecond;
  // Paced copies use smaller blocks, so the pace is smooth and a cancel is quick.
  const blockBytes = Math.max(
    64 * 1024,
    Math.min(options.blockBytes ?? DEFAULT_BLOCK_BYTES, rate === undefined ? Infinity : Math.floor(rate / 8)),
  );
  const output = await fsp.open(options.output, 'w', 0o640);
  // Blocks with their place in the output: each is read and written on its own, so several can be in flight.
  const blocks: (BlockPlan & { at: number; bytes: number })[] = [];
  let at = head.bytes.length;
  for (const block of blocksOf(builder.ranges, blockBytes)) {
    let bytes = 0;
    for (let index = 0; index < block.slices.length; index += 2)
      bytes += (block.slices[index + 1] ?? 0) - (block.slices[index] ?? 0);
    blocks.push({ ...block, at, bytes });
    at += bytes;
  }
  let done = 0;
  let next = 0;
  const started = performance.now();
  // Two blocks in flight (unpaced): the reads and writes run on libuv's threads, so one block's copy in and
  // out of the kernel overlaps the other's, on two cores instead of one.
  const lanes = rate === undefined ? COPY_LANES : 1;
  const lane = async (): Promise<void> => {
    const buffer = Buffer.allocUnsafe(blockBytes);
    const input: { file: string; handle: fsp.FileHandle | null } = { file: '', handle: null };
    try {
      for (;;) {
        if (aborted()) throw new ExportCancelledError();
        const block = blocks[next];
        next += 1;
        if (block === undefined) return;
        if (input.handle === null || input.file !== block.file) {
          const previous = input.handle;
          input.handle = null;
          await previous?.close();
          input.handle = await fsp.open(block.file, 'r');
          input.file = block.file;
        }
        let got = 0;
        while (got < block.length) {
          const { bytesRead } = await input.handle.read(
            buffer,
            got,
            block.length - got,
            block.position + got,
          );
          if (bytesRead === 0) throw new Error(`${block.file} became shorter while it was exported`);
          got += bytesRead;
        }
        const parts: Buffer[] = [];
        for (let index = 0; index < block.slices.length; index += 2) {
          const from = (block.slices[index] ?? 0) - block.position;
          const to = (block.slices[index + 1] ?? 0) - block.position;
          parts.push(buffer.subarray(from, to));
        }
        await writeAll(output, parts, block.at);
        if (aborted()) throw new ExportCancelledError();
        done += block.bytes;
        options.onProgress?.(total === 0 ? 1 : done / total);
        if (rate !== undefined) {
          const due = (done / rate) * 1000 - (performance.now() - started);
          if (due > 0) await sleep(due, undefined, { signal }).catch(() => undefined);
        }
      }
    } finally {
      await input.handle?.close();
    }
  };
  try {
    // The file at its final size first: writes then never extend it, which on ext4 makes them several times
    // faster (measured: 200 MB in 28 ms instead of 450 ms once the page cache holds other recent writes).
    await output.truncate(head.bytes.length + total);
    await writeAll(output, [head.bytes], 0);
    const results = await Promise.allSettled(Array.from({ length: lanes }, () => lane()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (aborted()) throw new ExportCancelledError();
    if (done !== total) throw new Error(`Copied ${done} bytes of media, expected ${total}`);
    return head;
  } finally {
    await output.close();
  }
}
