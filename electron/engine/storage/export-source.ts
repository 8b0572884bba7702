/**
 * Reads what an export needs from one of our segment files (fragmented MP4: `ftyp` + `moov`, then `moof` +
 * `mdat` pairs, as the recorder writes them) without reading its media: the tracks with the boxes an export
 * copies (`tkhd`, `mdhd`, `hdlr`, `vmhd`/`smhd`, `dinf`, `stsd`) and every fragment's sample runs (sizes,
 * durations, flags, composition offsets, where the bytes are in the file) from `tfhd`/`tfdt`/`trun`, with the
 * defaults of `tfhd` and the init's `trex` applied. Only box headers and the small `moov`/`moof` boxes are
 * read; every `mdat` is skipped with a seek.
 */
import fs from 'node:fs';
import { parseMoov, readBox, type Box, type TrackInfo } from '../ingest/fmp4.js';

/** A track of a segment file and the boxes an export copies from it. */
export interface SourceTrack extends TrackInfo {
  tkhd: Buffer;
  mdhd: Buffer;
  hdlr: Buffer;
  mediaHeader: Buffer | null;
  dinf: Buffer | null;
  stsd: Buffer;
  /** `trex` defaults: used where a fragment's `tfhd` and `trun` say nothing. */
  defaults: { descriptionIndex: number; duration: number; size: number; flags: number };
}

/** One `trun`: consecutive samples of one track whose bytes are contiguous in the file. */
export interface SampleRun {
  trackId: number;
  descriptionIndex: number;
  /** File offset of the first sample's bytes. */
  dataOffset: number;
  /** Decode time of the first sample, in the track's timescale. */
  decodeTime: number;
  sizes: number[];
  durations: number[];
  /** Per sample: a sync sample (keyframe). */
  sync: boolean[];
  /** Composition minus decode time per sample; null when the run has none. */
  compositionOffsets: number[] | null;
}

export interface SourceFragment {
  /** Decode time of the first video sample in ms of the file's own clock; NaN when it has no video. */
  startMs: number;
  /** The first video sample is a sync sample: an export may start here. */
  keyframe: boolean;
  runs: SampleRun[];
}

export interface SegmentSource {
  file: string;
  tracks: SourceTrack[];
  /** The first video track: an export's clock and cut points. */
  video: SourceTrack;
  /** The first audio track, when recorded. */
  audio: SourceTrack | null;
  /** Whole fragments (a `moof` and its complete `mdat`) in file order; a fragment cut short ends the list. */
  fragments: SourceFragment[];
}

/** Largest `moov`/`moof` read into memory; real ones are a few KB. */
const MAX_HEADER_BOX_BYTES = 16 * 1024 * 1024;
const NON_SYNC_SAMPLE = 0x00010000;

/** The ingest's box reader, lenient: a malformed box, or one running past `end`, reads as none. */
function readBoxAt(buffer: Buffer, offset: number, end: number): Box | null {
  try {
    const box = readBox(buffer, offset, end);
    return box === null || box.start + box.size > end ? null : box;
  } catch {
    return null;
  }
}

/** Four-character codes as numbers: compared without making strings on the per-fragment path. */
const code = (type: string): number => Buffer.from(type, 'latin1').readUInt32BE(0);
const MOOV = code('moov');
const MOOF = code('moof');
const MDAT = code('mdat');
const TRAF = code('traf');
const TFHD = code('tfhd');
const TFDT = code('tfdt');
const TRUN = code('trun');

interface BoxHeader {
  /** The four-character code as a number (`code()`). */
  type: number;
  headerSize: number;
  size: number;
}

/**
 * The header of the box at `offset` in `buffer` (`available` bytes read there), when the box lies wholly
 * within the `remaining` bytes of the file; null otherwise.
 */
function boxHeader(buffer: Buffer, offset: number, available: number, remaining: number): BoxHeader | null {
  if (available < 8) return null;
  let size = buffer.readUInt32BE(offset);
  let headerSize = 8;
  if (size === 1) {
    if (available < 16) return null;
    size = Number(buffer.readBigUInt64BE(offset + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = remaining;
  }
  if (size < headerSize || size > remaining) return null;
  return { type: buffer.readUInt32BE(offset + 4), headerSize, size };
}

function childBoxes(buffer: Buffer, parent: Box): Box[] {
  const found: Box[] = [];
  let offset = parent.start + parent.headerSize;
  const end = parent.start + parent.size;
  for (let box = readBoxAt(buffer, offset, end); box !== null; box = readBoxAt(buffer, offset, end)) {
    found.push(box);
    offset = box.start + box.size;
  }
  return found;
}

function childBox(buffer: Buffer, parent: Box | undefined, type: string): Box | undefined {
  return parent === undefined ? undefined : childBoxes(buffer, parent).find((box) => box.type === type);
}

const bytesOf = (buffer: Buffer, box: Box): Buffer =>
  Buffer.from(buffer.subarray(box.start, box.start + box.size));

function readExactly(fd: number, buffer: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

function parseTracks(file: string, buffer: Buffer, moov: Box): SourceTrack[] {
  const infos = parseMoov(buffer, moov);
  const trex = new Map<number, SourceTrack['defaults']>();
  for (const box of childBoxes(buffer, childBox(buffer, moov, 'mvex') ?? moov)) {
    if (box.type !== 'trex' || box.size < box.headerSize + 24) continue;
    const body = box.start + box.headerSize + 4;
    trex.set(buffer.readUInt32BE(body), {
      descriptionIndex: buffer.readUInt32BE(body + 4),
      duration: buffer.readUInt32BE(body + 8),
      size: buffer.readUInt32BE(body + 12),
      flags: buffer.readUInt32BE(body + 16),
    });
  }
  const tracks: SourceTrack[] = [];
  for (const trak of childBoxes(buffer, moov).filter((box) => box.type === 'trak')) {
    const tkhd = childBox(buffer, trak, 'tkhd');
    const mdia = childBox(buffer, trak, 'mdia');
    const mdhd = childBox(buffer, mdia, 'mdhd');
    const hdlr = childBox(buffer, mdia, 'hdlr');
    const minf = childBox(buffer, mdia, 'minf');
    const stsd = childBox(buffer, childBox(buffer, minf, 'stbl'), 'stsd');
    if (tkhd === undefined || mdhd === undefined || hdlr === undefined || minf === undefined) continue;
    if (stsd === undefined) continue;
    const version = buffer.readUInt8(tkhd.start + tkhd.headerSize);
    const id = buffer.readUInt32BE(tkhd.start + tkhd.headerSize + (version === 1 ? 20 : 12));
    const info = infos.find((track) => track.id === id);
    if (info === undefined) continue;
    const mediaHeader = childBoxes(buffer, minf).find((box) => /^(vmhd|smhd|nmhd|sthd)$/.test(box.type));
    const dinf = childBox(buffer, minf, 'dinf');
    tracks.push({
      ...info,
      tkhd: bytesOf(buffer, tkhd),
      mdhd: bytesOf(buffer, mdhd),
      hdlr: bytesOf(buffer, hdlr),
      mediaHeader: mediaHeader === undefined ? null : bytesOf(buffer, mediaHeader),
      dinf: dinf === undefined ? null : bytesOf(buffer, dinf),
      stsd: bytesOf(buffer, stsd),
      defaults: trex.get(id) ?? { descriptionIndex: 1, duration: 0, size: 0, flags: 0 },
    });
  }
  if (!tracks.some((track) => track.kind === 'video')) throw new Error(`${file} has no video track`);
  return tracks;
}

/**
 * Reads one `moof` (in `buffer` from 0, at file offset `moofAt`) whose `mdat` payload is `[payloadStart,
 * payloadEnd)` in the file. `cursors` holds each track's decode time after its previous run (used when a
 * `traf` has no `tfdt`). One pass over the boxes, no strings: this runs for every fragment of an export.
 */
function parseFragment(
  buffer: Buffer,
  moof: BoxHeader,
  moofAt: number,
  payload: { start: number; end: number },
  tracks: ReadonlyMap<number, SourceTrack>,
  cursors: Map<number, number>,
  video: SourceTrack,
): SourceFragment {
  const runs: SampleRun[] = [];
  let startMs = Number.NaN;
  let keyframe = false;
  // Without default-base-is-moof, a traf's data follows the previous traf's (the first one's, the moof).
  let previousEnd = moofAt;
  const truns: number[] = [];
  for (let trafAt = moof.headerSize; trafAt + 8 <= moof.size;) {
    const traf = boxHeader(buffer, trafAt, moof.size - trafAt, moof.size - trafAt);
    if (traf === null) break;
    const trafEnd = trafAt + traf.size;
    let tfhdAt = -1;
    let tfdtAt = -1;
    truns.length = 0;
    if (traf.type === TRAF) {
      for (let at = trafAt + traf.headerSize; at + 8 <= trafEnd;) {
        const inner = boxHeader(buffer, at, trafEnd - at, trafEnd - at);
        if (inner === null) break;
        const body = at + inner.headerSize;
        if (inner.type === TFHD) tfhdAt = body;
        else if (inner.type === TFDT) tfdtAt = body;
        else if (inner.type === TRUN) truns.push(body, at + inner.size);
        at += inner.size;
      }
    }
    trafAt = trafEnd;
    if (traf.type !== TRAF) continue;
    if (tfhdAt === -1) throw new Error('a traf without tfhd');
    let offset = tfhdAt;
    const tfhdFlags = buffer.readUInt32BE(offset) & 0xffffff;
    const trackId = buffer.readUInt32BE(offset + 4);
    const track = tracks.get(trackId);
    offset += 8;
    if (tfhdFlags & 0x01) {
      // An absolute offset refers to the stream the fragment was cut from, not to this file.
      throw new Error('fragments with an explicit base-data-offset are not supported');
    }
    const trex = track?.defaults;
    let descriptionIndex = trex?.descriptionIndex ?? 1;
    let defaultDuration = trex?.duration ?? 0;
    let defaultSize = trex?.size ?? 0;
    let defaultFlags = trex?.flags ?? 0;
    if (tfhdFlags & 0x02) {
      descriptionIndex = buffer.readUInt32BE(offset);
      offset += 4;
    }
    if (tfhdFlags & 0x08) {
      defaultDuration = buffer.readUInt32BE(offset);
      offset += 4;
    }
    if (tfhdFlags & 0x10) {
      defaultSize = buffer.readUInt32BE(offset);
      offset += 4;
    }
    if (tfhdFlags & 0x20) defaultFlags = buffer.readUInt32BE(offset);
    const base = tfhdFlags & 0x020000 ? moofAt : previousEnd;

    let decodeTime = cursors.get(trackId) ?? 0;
    if (tfdtAt !== -1) {
      decodeTime =
        buffer.readUInt8(tfdtAt) === 1
          ? Number(buffer.readBigUInt64BE(tfdtAt + 4))
          : buffer.readUInt32BE(tfdtAt + 4);
    }

    let dataEnd = base;
    for (let trunIndex = 0; trunIndex < truns.length; trunIndex += 2) {
      let position = truns[trunIndex] ?? 0;
      const trunEnd = truns[trunIndex + 1] ?? 0;
      const version = buffer.readUInt8(position);
      const flags = buffer.readUInt32BE(position) & 0xffffff;
      const count = buffer.readUInt32BE(position + 4);
      position += 8;
      let dataOffset = dataEnd;
      if (flags & 0x001) {
        dataOffset = base + buffer.readInt32BE(position);
        position += 4;
      }
      let firstFlags = defaultFlags;
      if (flags & 0x004) {
        firstFlags = buffer.readUInt32BE(position);
        position += 4;
      }
      const perSample =
        (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
      if (position + count * perSample > trunEnd) throw new Error('a trun is cut short');
      const run: SampleRun = {
        trackId,
        descriptionIndex,
        dataOffset,
        decodeTime,
        sizes: new Array<number>(count),
        durations: new Array<number>(count),
        sync: new Array<boolean>(count),
        compositionOffsets: flags & 0x800 ? new Array<number>(count) : null,
      };
      let bytes = 0;
      for (let index = 0; index < count; index += 1) {
        let duration = defaultDuration;
        let size = defaultSize;
        let sampleFlags = index === 0 ? firstFlags : defaultFlags;
        if (flags & 0x100) {
          duration = buffer.readUInt32BE(position);
          position += 4;
        }
        if (flags & 0x200) {
          size = buffer.readUInt32BE(position);
          position += 4;
        }
        if (flags & 0x400) {
          sampleFlags = buffer.readUInt32BE(position);
          position += 4;
        }
        if (run.compositionOffsets !== null) {
          run.compositionOffsets[index] =
            version === 0 ? buffer.readUInt32BE(position) : buffer.readInt32BE(position);
          position += 4;
        }
        run.sizes[index] = size;
        run.durations[index] = duration;
        run.sync[index] = (sampleFlags & NON_SYNC_SAMPLE) === 0;
        bytes += size;
        decodeTime += duration;
      }
      if (dataOffset < payload.start || dataOffset + bytes > payload.end) {
        throw new Error('a sample run points outside its mdat');
      }
      dataEnd = dataOffset + bytes;
      if (track === undefined || count === 0) continue;
      if (trackId === video.id && Number.isNaN(startMs)) {
        startMs = (run.decodeTime * 1000) / video.timescale;
        keyframe = run.sync[0] ?? false;
      }
      runs.push(run);
    }
    cursors.set(trackId, decodeTime);
    previousEnd = dataEnd;
  }
  return { startMs, keyframe, runs };
}

/**
 * Reads the tracks and sample runs of a segment file. Throws with the file's name when it is not one of ours
 * (no `moov`, no video, a layout the export cannot copy) or has no video fragment.
 */
export function readSegmentSource(file: string): SegmentSource {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let tracks: SourceTrack[] | null = null;
    const byId = new Map<number, SourceTrack>();
    let video: SourceTrack | undefined;
    const cursors = new Map<number, number>();
    const fragments: SourceFragment[] = [];
    // A moof and the header of the box after it usually come in one read.
    let buffer = Buffer.allocUnsafe(4096);
    let position = 0;
    while (position + 8 <= size) {
      const read = readExactly(fd, buffer, Math.min(buffer.length, size - position), position);
      // Whole to the end of the file at most: a box cut short (the fragment being written at a crash) ends
      // the file for us.
      const head = boxHeader(buffer, 0, read, size - position);
      if (head === null) break;
      if (head.type !== MOOV && head.type !== MOOF) {
        position += head.size;
        continue;
      }
      if (head.size > MAX_HEADER_BOX_BYTES) throw new Error(`${file}: a header box of ${head.size} bytes`);
      // Room for the box and the 16-byte header of the one after it.
      let available = read;
      if (head.size + 16 > read && read < size - position) {
        if (head.size + 16 > buffer.length) buffer = Buffer.allocUnsafe(head.size + 16);
        available = readExactly(fd, buffer, Math.min(head.size + 16, size - position), position);
      }
      if (head.type === MOOV) {
        tracks = parseTracks(file, buffer, {
          type: 'moov',
          start: 0,
          headerSize: head.headerSize,
          size: head.size,
        });
        for (const track of tracks) byId.set(track.id, track);
        video = tracks.find((track) => track.kind === 'video');
        position += head.size;
        continue;
      }
      const mdatAt = position + head.size;
      const mdat = boxHeader(buffer, head.size, available - head.size, size - mdatAt);
      if (mdat === null) break;
      if (mdat.type !== MDAT) {
        // A moof without its mdat: nothing to copy.
        position = mdatAt;
        continue;
      }
      if (video === undefined) throw new Error(`${file} has a fragment before its moov`);
      const payload = { start: mdatAt + mdat.headerSize, end: mdatAt + mdat.size };
      try {
        const fragment = parseFragment(buffer, head, position, payload, byId, cursors, video);
        if (fragment.runs.length > 0) fragments.push(fragment);
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message} (fragment at byte ${position})`, {
          cause: error,
        });
      }
      position = mdatAt + mdat.size;
    }
    if (tracks === null || video === undefined)
      throw new Error(`${file} has no moov box (not an MP4 segment)`);
    if (!fragments.some((fragment) => !Number.isNaN(fragment.startMs))) {
      throw new Error(`${file} has no video fragments`);
    }
    return {
      file,
      tracks,
      video,
      audio: tracks.find((track) => track.kind === 'audio') ?? null,
      fragments,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why a segment cannot go into the same file as the export's first one (null when it can): the video and
 * audio tracks must match in kind, codec, picture size, timescale and sample description, since the export
 * keeps the first segment's descriptions (a camera whose settings changed between runs differs here).
 */
export function sourceMismatch(first: SegmentSource, other: SegmentSource): string | null {
  const describe = (track: SourceTrack | null): string =>
    track === null
      ? 'none'
      : `${track.codec}${track.width === undefined ? '' : ` ${track.width}x${track.height ?? 0}`}` +
        ` @${track.timescale}`;
  for (const [name, mine, theirs] of [
    ['video', other.video, first.video],
    ['audio', other.audio, first.audio],
  ] as const) {
    const own = describe(mine);
    const expected = describe(theirs);
    if (own !== expected) return `its ${name} (${own}) differs from the export's first segment (${expected})`;
    if (mine !== null && theirs !== null && !mine.stsd.equals(theirs.stsd)) {
      return `its ${name} codec settings (sample description) differ from the export's first segment`;
    }
  }
  return null;
}

/**
 * The fragment to start at for a cut at `targetMs` (file clock): the last keyframe fragment at or before it,
 * so the export never starts after the moment asked for; the first keyframe when the target precedes them
 * all. Returns its index, or -1 when the file has no keyframe.
 */
export function keyframeAtOrBefore(fragments: readonly SourceFragment[], targetMs: number): number {
  let chosen = -1;
  for (let index = 0; index < fragments.length; index += 1) {
    const fragment = fragments[index];
    if (fragment === undefined || !fragment.keyframe) continue;
    // A millisecond of slack: times converted between clocks may round just past the keyframe.
    if (fragment.startMs <= targetMs + 1 || chosen === -1) chosen = index;
    if (fragment.startMs > targetMs + 1) break;
  }
  return chosen;
}

/** The first keyframe fragment at or after `targetMs` (file clock), or -1. */
export function keyframeAtOrAfter(fragments: readonly SourceFragment[], targetMs: number): number {
  return fragments.findIndex((fragment) => fragment.keyframe && fragment.startMs >= targetMs - 1);
}
