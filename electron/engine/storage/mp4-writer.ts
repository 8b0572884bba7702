/**
 * The index of a regular (non-fragmented) MP4: `ftyp`, then `moov` with one `trak` per track and its sample
 * tables, then the `mdat` header; the media bytes follow and are written by the caller. Pure: tracks are
 * filled sample by sample and chunk by chunk, and `buildMp4Head` returns the bytes that precede the media.
 *
 * Chunk offsets are kept relative to the start of the `mdat` payload and made absolute once the size of
 * everything before it is known, so the index can precede the media (what FFmpeg's `+faststart` achieves by
 * rewriting the file afterwards).
 */

/** A growable array of numbers over a typed array (sample tables reach millions of entries). */
export class NumberColumn<T extends Uint32Array | Int32Array | Float64Array> {
  private data: T;
  length = 0;

  constructor(private readonly make: (size: number) => T) {
    this.data = make(256);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    this.length += 1;
  }

  at(index: number): number {
    return this.data[index] ?? 0;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  last(): number {
    return this.data[this.length - 1] ?? 0;
  }
}

const u32Column = (): NumberColumn<Uint32Array> => new NumberColumn((size) => new Uint32Array(size));
const i32Column = (): NumberColumn<Int32Array> => new NumberColumn((size) => new Int32Array(size));
const f64Column = (): NumberColumn<Float64Array> => new NumberColumn((size) => new Float64Array(size));

/** What a track takes over from the file its samples come from, byte for byte. */
export interface Mp4TrackSource {
  id: number;
  kind: 'video' | 'audio';
  /** Units per second of the sample durations (`mdhd`). */
  timescale: number;
  /** The source `tkhd` box (its layer, volume, matrix and picture size are kept). */
  tkhd: Buffer;
  /** The source `mdhd` box (its language is kept). */
  mdhd: Buffer;
  /** The source `hdlr` box, copied. */
  hdlr: Buffer;
  /** The source `vmhd` / `smhd` box, copied; null writes the default one for the kind. */
  mediaHeader: Buffer | null;
  /** The source `dinf` box, copied; null writes a self-contained data reference. */
  dinf: Buffer | null;
  /** The source `stsd` box, copied: the decoder configuration (SPS/PPS, AudioSpecificConfig) lives here. */
  stsd: Buffer;
}

/** One track's samples and chunks, in decode order. */
export class Mp4Track {
  readonly sizes = u32Column();
  readonly durations = u32Column();
  /** Composition minus decode time per sample; kept only once one is not zero. */
  private offsets: NumberColumn<Int32Array> | null = null;
  /** 1-based numbers of the sync samples; written only when some sample is not one. */
  readonly syncSamples = u32Column();
  /** Chunk offsets relative to the start of the `mdat` payload. */
  readonly chunkOffsets = f64Column();
  readonly chunkSamples = u32Column();
  readonly chunkDescriptions = u32Column();
  /** Sum of the durations so far, in `timescale` units. */
  duration = 0;
  /**
   * Where presentation starts relative to the movie's zero, in seconds: negative skips that much of the
   * track's start (an edit list with a media time), positive delays it (an empty edit first).
   */
  startOffsetSeconds = 0;
  /**
   * Composition time of the first sample shown (B-frames make it later than zero), in `timescale` units: the
   * edit list starts there, so the track's first picture is shown at its start.
   */
  compositionShift = 0;

  constructor(readonly source: Mp4TrackSource) {}

  get sampleCount(): number {
    return this.sizes.length;
  }

  get compositionOffsets(): NumberColumn<Int32Array> | null {
    return this.offsets;
  }

  addSample(size: number, duration: number, sync: boolean, compositionOffset: number): void {
    if (compositionOffset !== 0 && this.offsets === null) {
      this.offsets = i32Column();
      for (let index = 0; index < this.sizes.length; index += 1) this.offsets.push(0);
    }
    this.offsets?.push(compositionOffset);
    this.sizes.push(size);
    this.durations.push(duration);
    this.duration += duration;
    if (sync) this.syncSamples.push(this.sizes.length);
  }

  /** The last `sampleCount` samples added form one chunk at `offset` (relative to the `mdat` payload). */
  addChunk(offset: number, sampleCount: number, descriptionIndex: number): void {
    if (sampleCount <= 0) return;
    this.chunkOffsets.push(offset);
    this.chunkSamples.push(sampleCount);
    this.chunkDescriptions.push(descriptionIndex);
  }

  /**
   * Lengthens (or shortens) sample `index` so every later one starts `delta` units later (earlier); never
   * below one unit. Returns what could not be applied.
   */
  stretchSample(index: number, delta: number): number {
    if (index < 0 || index >= this.durations.length || delta === 0) return delta;
    const current = this.durations.at(index);
    const next = Math.max(1, Math.min(UINT32_LIMIT, current + delta));
    this.durations.set(index, next);
    this.duration += next - current;
    return delta - (next - current);
  }
}

/** Largest value of a 32-bit box field; a smaller limit lets tests reach the 64-bit paths with tiny files. */
export const UINT32_LIMIT = 0xffffffff;

export interface Mp4HeadOptions {
  /** Bytes of media that follow the head (the `mdat` payload). */
  payloadBytes: number;
  /** Unix ms written as the creation and modification time. */
  creationTime: number;
  /** Offsets and sizes above this need 64-bit fields (`co64`, a large `mdat`); default 2^32 − 1. */
  uint32Limit?: number;
}

export interface Mp4Head {
  /** `ftyp` + `moov` + the `mdat` header. */
  bytes: Buffer;
  /** Chunk offsets are 64-bit (`co64`). */
  co64: boolean;
  /** The `mdat` header has a 64-bit size. */
  largeMdat: boolean;
}

/** Movie timescale: milliseconds. */
const MOVIE_TIMESCALE = 1000;
/** Seconds from 1904-01-01 (the MP4 epoch) to 1970-01-01. */
const MP4_EPOCH_OFFSET_S = 2_082_844_800;
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((total, part) => total + part.length, 0);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, ...parts], size);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, head, ...parts);
}

function u32(...values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeUInt32BE(value >>> 0, index * 4));
  return buffer;
}

function u64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(Math.round(value)), 0);
  return buffer;
}

/** Creation/modification time and a duration, 32-bit (version 0) when they fit, else 64-bit (version 1). */
function times(mp4Seconds: number, duration: number, middle: Buffer): { version: number; bytes: Buffer } {
  if (mp4Seconds <= UINT32_LIMIT && duration <= UINT32_LIMIT) {
    return { version: 0, bytes: Buffer.concat([u32(mp4Seconds, mp4Seconds), middle, u32(duration)]) };
  }
  return { version: 1, bytes: Buffer.concat([u64(mp4Seconds), u64(mp4Seconds), middle, u64(duration)]) };
}

/** Body of a full box (after version and flags), or an empty buffer when `source` is too short to have one. */
function fullBoxBody(source: Buffer): Buffer {
  return source.length >= 12 ? source.subarray(12) : Buffer.alloc(0);
}

function toMovieTime(units: number, timescale: number): number {
  return Math.round((units * MOVIE_TIMESCALE) / timescale);
}

/** Presented length of a track in movie units, edits included. */
function presentedDuration(track: Mp4Track): number {
  const seconds = track.duration / track.source.timescale + track.startOffsetSeconds;
  return Math.max(0, Math.round(seconds * MOVIE_TIMESCALE));
}

function tkhd(track: Mp4Track, mp4Seconds: number): Buffer {
  const source = fullBoxBody(track.source.tkhd);
  // The last 52 bytes of either tkhd version: layer, alternate group, volume, reserved, matrix, width, height.
  const tail =
    source.length >= 52
      ? source.subarray(source.length - 52)
      : Buffer.concat([
          Buffer.from([0, 0, 0, 0, track.source.kind === 'audio' ? 1 : 0, 0, 0, 0]),
          u32(...UNITY_MATRIX),
          u32(0, 0),
        ]);
  const duration = presentedDuration(track);
  const fits = mp4Seconds <= UINT32_LIMIT && duration <= UINT32_LIMIT;
  const body = fits
    ? Buffer.concat([u32(mp4Seconds, mp4Seconds, track.source.id, 0, duration), Buffer.alloc(8), tail])
    : Buffer.concat([
        u64(mp4Seconds),
        u64(mp4Seconds),
        u32(track.source.id, 0),
        u64(duration),
        Buffer.alloc(8),
        tail,
      ]);
  // Flags: enabled, in movie, in preview.
  return fullBox('tkhd', fits ? 0 : 1, 0x000003, body);
}

function edts(track: Mp4Track): Buffer | null {
  const offset = track.startOffsetSeconds;
  const units = Math.round(Math.abs(offset) * track.source.timescale);
  const skipped = offset < 0 ? units : 0;
  if (units === 0 && track.compositionShift === 0) return null;
  const entries: Buffer[] = [];
  if (offset > 0 && units > 0) {
    // An empty edit: nothing of this track plays for `offset` seconds.
    entries.push(
      Buffer.concat([u32(Math.round(offset * MOVIE_TIMESCALE)), u32(0xffffffff), u32(0x00010000)]),
    );
  }
  const played = toMovieTime(Math.max(0, track.duration - skipped), track.source.timescale);
  entries.push(Buffer.concat([u32(played), u32(skipped + track.compositionShift), u32(0x00010000)]));
  return box('edts', fullBox('elst', 0, 0, u32(entries.length), ...entries));
}

function mdhd(track: Mp4Track, mp4Seconds: number): Buffer {
  const source = fullBoxBody(track.source.mdhd);
  // The last 4 bytes of either mdhd version: language and pre-defined.
  const language = source.length >= 4 ? source.subarray(source.length - 4) : u32(0x55c40000);
  const { version, bytes } = times(mp4Seconds, track.duration, u32(track.source.timescale));
  return fullBox('mdhd', version, 0, bytes, language);
}

/** A full box whose body is an entry count and then `entries` as 32-bit words, `width` words per entry. */
function tableBox(
  type: string,
  version: number,
  words: NumberColumn<Uint32Array> | number[],
  width: number,
): Buffer {
  const length = words.length;
  const body = Buffer.alloc(4 + length * 4);
  body.writeUInt32BE(length / width, 0);
  const read = Array.isArray(words)
    ? (index: number) => words[index] ?? 0
    : (index: number) => words.at(index);
  for (let index = 0; index < length; index += 1) body.writeUInt32BE(read(index) >>> 0, 4 + index * 4);
  return fullBox(type, version, 0, body);
}

/** Run-length pairs (count, value) of `column`. */
function runs(column: NumberColumn<Uint32Array> | NumberColumn<Int32Array>): NumberColumn<Uint32Array> {
  const pairs = u32Column();
  let count = 0;
  let value = 0;
  for (let index = 0; index < column.length; index += 1) {
    const next = column.at(index);
    if (count > 0 && next === value) {
      count += 1;
      continue;
    }
    if (count > 0) {
      pairs.push(count);
      pairs.push(value >>> 0);
    }
    count = 1;
    value = next;
  }
  if (count > 0) {
    pairs.push(count);
    pairs.push(value >>> 0);
  }
  return pairs;
}

function stts(track: Mp4Track): Buffer {
  return tableBox('stts', 0, runs(track.durations), 2);
}

function ctts(track: Mp4Track): Buffer | null {
  const offsets = track.compositionOffsets;
  if (offsets === null) return null;
  let negative = false;
  for (let index = 0; index < offsets.length && !negative; index += 1) negative = offsets.at(index) < 0;
  // Version 1: signed offsets (negative ones come from a trun of version 1).
  return tableBox('ctts', negative ? 1 : 0, runs(offsets), 2);
}

function stss(track: Mp4Track): Buffer | null {
  // Every sample a sync sample (audio, all-intra video): no table means exactly that.
  if (track.syncSamples.length === track.sampleCount) return null;
  return tableBox('stss', 0, track.syncSamples, 1);
}

function stsc(track: Mp4Track): Buffer {
  const entries = u32Column();
  for (let index = 0; index < track.chunkSamples.length; index += 1) {
    const samples = track.chunkSamples.at(index);
    const description = track.chunkDescriptions.at(index);
    const count = entries.length;
    if (count > 0 && entries.at(count - 2) === samples && entries.at(count - 1) === description) continue;
    entries.push(index + 1);
    entries.push(samples);
    entries.push(description);
  }
  return tableBox('stsc', 0, entries, 3);
}

function stsz(track: Mp4Track): Buffer {
  const { sizes } = track;
  const first = sizes.at(0);
  let constant = sizes.length > 0;
  for (let index = 1; index < sizes.length && constant; index += 1) constant = sizes.at(index) === first;
  if (constant) return fullBox('stsz', 0, 0, u32(first, sizes.length));
  const body = Buffer.alloc(8 + sizes.length * 4);
  body.writeUInt32BE(sizes.length, 4);
  for (let index = 0; index < sizes.length; index += 1) body.writeUInt32BE(sizes.at(index), 8 + index * 4);
  return fullBox('stsz', 0, 0, body);
}

function chunkOffsets(track: Mp4Track, base: number, co64: boolean): Buffer {
  const { chunkOffsets: offsets } = track;
  const body = Buffer.alloc(4 + offsets.length * (co64 ? 8 : 4));
  body.writeUInt32BE(offsets.length, 0);
  for (let index = 0; index < offsets.length; index += 1) {
    const absolute = base + offsets.at(index);
    if (co64) body.writeBigUInt64BE(BigInt(absolute), 4 + index * 8);
    else body.writeUInt32BE(absolute, 4 + index * 4);
  }
  return fullBox(co64 ? 'co64' : 'stco', 0, 0, body);
}

function defaultMediaHeader(kind: Mp4Track['source']['kind']): Buffer {
  // vmhd: flags 1 (required), graphics mode copy; smhd: balance 0.
  return kind === 'video' ? fullBox('vmhd', 0, 1, Buffer.alloc(8)) : fullBox('smhd', 0, 0, Buffer.alloc(4));
}

function defaultDinf(): Buffer {
  // One `url ` entry with flag 1: the media is in this file.
  return box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
}

/** A track's boxes except the chunk offsets, which depend on where the media lands: built once. */
interface TrackParts {
  track: Mp4Track;
  /** tkhd, edts. */
  before: Buffer[];
  mdhd: Buffer;
  mediaHeader: Buffer;
  dinf: Buffer;
  /** stsd … stsz. */
  tables: Buffer[];
}

function trackParts(track: Mp4Track, mp4Seconds: number): TrackParts {
  const { source } = track;
  return {
    track,
    before: [tkhd(track, mp4Seconds), edts(track)].filter((part): part is Buffer => part !== null),
    mdhd: mdhd(track, mp4Seconds),
    mediaHeader: source.mediaHeader ?? defaultMediaHeader(source.kind),
    dinf: source.dinf ?? defaultDinf(),
    tables: [source.stsd, stts(track), ctts(track), stss(track), stsc(track), stsz(track)].filter(
      (part): part is Buffer => part !== null,
    ),
  };
}

function trak(parts: TrackParts, base: number, co64: boolean): Buffer {
  const stbl = box('stbl', ...parts.tables, chunkOffsets(parts.track, base, co64));
  const minf = box('minf', parts.mediaHeader, parts.dinf, stbl);
  return box('trak', ...parts.before, box('mdia', parts.mdhd, parts.track.source.hdlr, minf));
}

function ftyp(tracks: readonly Mp4Track[]): Buffer {
  const brands = ['isom', 'iso2'];
  if (tracks.some((track) => track.source.stsd.includes('avc1', 16, 'latin1'))) brands.push('avc1');
  brands.push('mp41');
  return box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from(brands.join(''), 'latin1'));
}

function mvhd(tracks: readonly Mp4Track[], mp4Seconds: number): Buffer {
  const duration = Math.max(0, ...tracks.map(presentedDuration));
  const nextTrackId = Math.max(0, ...tracks.map((track) => track.source.id)) + 1;
  const { version, bytes } = times(mp4Seconds, duration, u32(MOVIE_TIMESCALE));
  return fullBox(
    'mvhd',
    version,
    0,
    bytes,
    // Rate 1.0, volume 1.0, reserved, matrix, pre-defined, next track id.
    u32(0x00010000),
    Buffer.from([0x01, 0x00]),
    Buffer.alloc(10),
    u32(...UNITY_MATRIX),
    Buffer.alloc(24),
    u32(nextTrackId),
  );
}

/**
 * The bytes before the media: `ftyp`, `moov` (chunk offsets made absolute) and the `mdat` header. Chunk
 * offsets are 32-bit (`stco`) unless the last one would pass `uint32Limit`, then 64-bit (`co64`); the `mdat`
 * size is 64-bit when it would pass the limit.
 */
export function buildMp4Head(tracks: readonly Mp4Track[], options: Mp4HeadOptions): Mp4Head {
  if (tracks.length === 0) throw new Error('An MP4 needs at least one track');
  const limit = options.uint32Limit ?? UINT32_LIMIT;
  const mp4Seconds = Math.max(0, Math.floor(options.creationTime / 1000) + MP4_EPOCH_OFFSET_S);
  const largeMdat = options.payloadBytes + 8 > limit;
  const mdatHeader = largeMdat
    ? Buffer.concat([u32(1), Buffer.from('mdat', 'latin1'), u64(options.payloadBytes + 16)])
    : Buffer.concat([u32(options.payloadBytes + 8), Buffer.from('mdat', 'latin1')]);
  const head = ftyp(tracks);
  const header = mvhd(tracks, mp4Seconds);
  const parts = tracks.map((track) => trackParts(track, mp4Seconds));
  const moov = (base: number, co64: boolean): Buffer =>
    box('moov', header, ...parts.map((part) => trak(part, base, co64)));
  // Offsets do not change the size of a stco/co64 box, so a pass with base 0 measures the moov.
  const lastOffset = Math.max(0, ...tracks.map((track) => track.chunkOffsets.last()));
  const stcoBase = head.length + moov(0, false).length + mdatHeader.length;
  const co64 = stcoBase + lastOffset > limit;
  const base = co64 ? head.length + moov(0, true).length + mdatHeader.length : stcoBase;
  const bytes = Buffer.concat([head, moov(base, co64), mdatHeader]);
  return { bytes, co64, largeMdat };
}
