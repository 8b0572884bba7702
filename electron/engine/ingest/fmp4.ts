/**
 * A streaming reader for fragmented MP4 as FFmpeg writes it with `+frag_keyframe+empty_moov+default_base_moof`:
 * `ftyp` + `moov` (the init segment), then `moof` + `mdat` pairs (fragments). It reads only box headers and the
 * small `moov`/`moof` boxes; media data is passed through untouched, so the cost is a copy, not a parse.
 *
 * From each fragment it takes what the recorder needs: whether it starts with a video keyframe, its video
 * decode time and duration (from `tfdt`/`trun`/`tfhd`), and its size.
 */

export type TrackKind = 'video' | 'audio' | 'other';

export interface TrackInfo {
  id: number;
  kind: TrackKind;
  /** Units per second of this track's timestamps (`mdhd`). */
  timescale: number;
  /** Sample entry four-character code: `avc1`, `hev1`, `hvc1`, `mp4a`, ... */
  codec: string;
  width?: number;
  height?: number;
}

export interface InitSegment {
  /** `ftyp` + `moov`, to be written at the head of every segment file and sent to every live viewer first. */
  data: Buffer;
  tracks: TrackInfo[];
}

export interface Fragment {
  /**
   * `moof` + `mdat`, self-contained with `default_base_moof`, as slices of the pipe's chunks: written with one
   * `writev` and never copied on the recording path.
   */
  parts: readonly Buffer[];
  byteLength: number;
  /** The fragment as one buffer, joined on first use and kept (live viewers need one message). */
  readonly data: Buffer;
  /** The fragment's first video sample is a sync sample: a segment may start here. */
  keyframe: boolean;
  /** Video decode time of the first sample, in milliseconds of the stream's clock. */
  startMs: number;
  /** Sum of the video sample durations, in milliseconds. */
  durationMs: number;
  /** Video samples (frames) in this fragment. */
  videoFrames: number;
}

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

function readBox(buffer: Buffer, offset: number, end: number): Box | null {
  if (end - offset < 8) return null;
  let size = buffer.readUInt32BE(offset);
  const type = buffer.toString('latin1', offset + 4, offset + 8);
  let headerSize = 8;
  if (size === 1) {
    if (end - offset < 16) return null;
    size = Number(buffer.readBigUInt64BE(offset + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (size < headerSize) throw new Error(`Malformed MP4: box ${JSON.stringify(type)} has size ${size}`);
  return { type, start: offset, headerSize, size };
}

function* children(buffer: Buffer, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset < end) {
    const box = readBox(buffer, offset, end);
    if (box === null || box.start + box.size > end) return;
    yield box;
    offset += box.size;
  }
}

function child(buffer: Buffer, parent: Box, type: string, skip = 0): Box | undefined {
  for (const box of children(buffer, parent.start + parent.headerSize + skip, parent.start + parent.size)) {
    if (box.type === type) return box;
  }
  return undefined;
}

function childrenOf(buffer: Buffer, parent: Box, type: string): Box[] {
  return [...children(buffer, parent.start + parent.headerSize, parent.start + parent.size)].filter(
    (box) => box.type === type,
  );
}

/** Reads the tracks of a `moov` box. */
export function parseMoov(buffer: Buffer, moov: Box): TrackInfo[] {
  const tracks: TrackInfo[] = [];
  for (const trak of childrenOf(buffer, moov, 'trak')) {
    const tkhd = child(buffer, trak, 'tkhd');
    const mdia = child(buffer, trak, 'mdia');
    if (tkhd === undefined || mdia === undefined) continue;
    const tkhdVersion = buffer.readUInt8(tkhd.start + tkhd.headerSize);
    const id = buffer.readUInt32BE(tkhd.start + tkhd.headerSize + (tkhdVersion === 1 ? 20 : 12));
    const mdhd = child(buffer, mdia, 'mdhd');
    const hdlr = child(buffer, mdia, 'hdlr');
    if (mdhd === undefined || hdlr === undefined) continue;
    const mdhdVersion = buffer.readUInt8(mdhd.start + mdhd.headerSize);
    const timescale = buffer.readUInt32BE(mdhd.start + mdhd.headerSize + (mdhdVersion === 1 ? 20 : 12));
    const handler = buffer.toString(
      'latin1',
      hdlr.start + hdlr.headerSize + 8,
      hdlr.start + hdlr.headerSize + 12,
    );
    const kind: TrackKind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
    let codec = '';
    let width: number | undefined;
    let height: number | undefined;
    const stsd = (() => {
      const minf = child(buffer, mdia, 'minf');
      const stbl = minf === undefined ? undefined : child(buffer, minf, 'stbl');
      return stbl === undefined ? undefined : child(buffer, stbl, 'stsd');
    })();
    if (stsd !== undefined) {
      // stsd: full box header (4) + entry count (4), then sample entries.
      const entry = readBox(buffer, stsd.start + stsd.headerSize + 8, stsd.start + stsd.size);
      if (entry !== null) {
        codec = entry.type;
        if (kind === 'video' && entry.size >= entry.headerSize + 28) {
          // VisualSampleEntry: 6 reserved + 2 index + 16 pre-defined/reserved, then width and height.
          width = buffer.readUInt16BE(entry.start + entry.headerSize + 24);
          height = buffer.readUInt16BE(entry.start + entry.headerSize + 26);
        }
      }
    }
    tracks.push({ id, kind, timescale, codec, ...(width === undefined ? {} : { width, height }) });
  }
  return tracks;
}

const NON_SYNC_SAMPLE = 0x00010000;

interface TrafSummary {
  trackId: number;
  decodeTime: number;
  duration: number;
  samples: number;
  firstIsSync: boolean;
}

function parseTraf(buffer: Buffer, traf: Box): TrafSummary | null {
  const tfhd = child(buffer, traf, 'tfhd');
  if (tfhd === undefined) return null;
  let offset = tfhd.start + tfhd.headerSize;
  const tfhdFlags = buffer.readUInt32BE(offset) & 0xffffff;
  const trackId = buffer.readUInt32BE(offset + 4);
  offset += 8;
  if (tfhdFlags & 0x01) offset += 8; // base-data-offset
  if (tfhdFlags & 0x02) offset += 4; // sample-description-index
  let defaultDuration = 0;
  if (tfhdFlags & 0x08) {
    defaultDuration = buffer.readUInt32BE(offset);
    offset += 4;
  }
  if (tfhdFlags & 0x10) offset += 4; // default-sample-size
  let defaultFlags = 0;
  if (tfhdFlags & 0x20) defaultFlags = buffer.readUInt32BE(offset);

  let decodeTime = 0;
  const tfdt = child(buffer, traf, 'tfdt');
  if (tfdt !== undefined) {
    const version = buffer.readUInt8(tfdt.start + tfdt.headerSize);
    decodeTime =
      version === 1
        ? Number(buffer.readBigUInt64BE(tfdt.start + tfdt.headerSize + 4))
        : buffer.readUInt32BE(tfdt.start + tfdt.headerSize + 4);
  }

  let duration = 0;
  let samples = 0;
  let firstIsSync = (defaultFlags & NON_SYNC_SAMPLE) === 0;
  let first = true;
  for (const trun of childrenOf(buffer, traf, 'trun')) {
    let position = trun.start + trun.headerSize;
    const flags = buffer.readUInt32BE(position) & 0xffffff;
    const count = buffer.readUInt32BE(position + 4);
    position += 8;
    if (flags & 0x001) position += 4; // data-offset
    let firstFlags: number | null = null;
    if (flags & 0x004) {
      firstFlags = buffer.readUInt32BE(position);
      position += 4;
    }
    for (let index = 0; index < count; index += 1) {
      let sampleDuration = defaultDuration;
      let sampleFlags = index === 0 && firstFlags !== null ? firstFlags : defaultFlags;
      if (flags & 0x100) {
        sampleDuration = buffer.readUInt32BE(position);
        position += 4;
      }
      if (flags & 0x200) position += 4; // size
      if (flags & 0x400) {
        sampleFlags = buffer.readUInt32BE(position);
        position += 4;
      }
      if (flags & 0x800) position += 4; // composition time offset
      if (first) {
        firstIsSync = (sampleFlags & NON_SYNC_SAMPLE) === 0;
        first = false;
      }
      duration += sampleDuration;
    }
    samples += count;
  }
  return { trackId, decodeTime, duration, samples, firstIsSync };
}

/** Makes a `Fragment` from its parts; `data` joins them only when someone asks. */
export function createFragment(
  parts: readonly Buffer[],
  summary: Omit<Fragment, 'parts' | 'byteLength' | 'data'>,
): Fragment {
  let joined: Buffer | null = null;
  const byteLength = parts.reduce((total, part) => total + part.length, 0);
  return {
    ...summary,
    parts,
    byteLength,
    get data() {
      const [only] = parts;
      joined ??= parts.length === 1 && only !== undefined ? only : Buffer.concat(parts, byteLength);
      return joined;
    },
  };
}

/** Summarises one `moof` for the track `videoTrack` (the first video track). */
export function parseMoof(
  buffer: Buffer,
  moof: Box,
  video: TrackInfo | undefined,
): Omit<Fragment, 'parts' | 'byteLength' | 'data'> {
  for (const traf of childrenOf(buffer, moof, 'traf')) {
    const summary = parseTraf(buffer, traf);
    if (summary === null || video === undefined || summary.trackId !== video.id) continue;
    return {
      keyframe: summary.firstIsSync,
      startMs: (summary.decodeTime * 1000) / video.timescale,
      durationMs: (summary.duration * 1000) / video.timescale,
      videoFrames: summary.samples,
    };
  }
  // A fragment without video (audio only): never a cut point.
  return { keyframe: false, startMs: Number.NaN, durationMs: 0, videoFrames: 0 };
}

/** Largest box we accept; a `moof`+`mdat` of a 4K keyframe at high bit rate stays far below. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

export interface Fmp4ReaderEvents {
  onInit(init: InitSegment): void;
  onFragment(fragment: Fragment): void;
}

/**
 * Push bytes as they arrive from FFmpeg's pipe; init and fragments come out through the callbacks. Throws on
 * malformed input (the caller restarts the session).
 */
export class Fmp4Reader {
  /** Unconsumed input: chunks as FFmpeg's pipe delivered them, the first one read from `offset`. */
  private pending: Buffer[] = [];
  private offset = 0;
  private pendingBytes = 0;
  private ftyp: Buffer | null = null;
  private init: InitSegment | null = null;
  private moof: Buffer | null = null;
  private video: TrackInfo | undefined;
  private readonly header = Buffer.alloc(16);

  constructor(private readonly events: Fmp4ReaderEvents) {}

  get initSegment(): InitSegment | null {
    return this.init;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.pendingBytes < 8) return;
      const head = this.peek(Math.min(16, this.pendingBytes));
      const box = readBox(head, 0, head.length);
      if (box === null) return;
      if (box.size > MAX_BOX_BYTES) throw new Error(`MP4 box ${box.type} of ${box.size} bytes is too large`);
      if (this.pendingBytes < box.size) return;
      // Media data is passed on as slices of the pipe's chunks (no copy); the small boxes we parse are joined.
      const parts = this.takeParts(box.size);
      this.handle(box.type, parts, box.size);
    }
  }

  /** The first `bytes` pending bytes, copied into a small scratch buffer when they span chunks. */
  private peek(bytes: number): Buffer {
    const first = this.pending[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length - this.offset >= bytes) return first.subarray(this.offset, this.offset + bytes);
    let filled = 0;
    let offset = this.offset;
    for (const chunk of this.pending) {
      const copied = chunk.copy(this.header, filled, offset, Math.min(chunk.length, offset + bytes - filled));
      filled += copied;
      offset = 0;
      if (filled >= bytes) break;
    }
    return this.header.subarray(0, filled);
  }

  private takeParts(bytes: number): Buffer[] {
    const parts: Buffer[] = [];
    let needed = bytes;
    while (needed > 0) {
      const chunk = this.pending[0];
      if (chunk === undefined) throw new Error('MP4 reader lost track of its input');
      const available = chunk.length - this.offset;
      if (available <= needed) {
        parts.push(this.offset === 0 ? chunk : chunk.subarray(this.offset));
        this.pending.shift();
        this.offset = 0;
        needed -= available;
      } else {
        parts.push(chunk.subarray(this.offset, this.offset + needed));
        this.offset += needed;
        needed = 0;
      }
    }
    this.pendingBytes -= bytes;
    return parts;
  }

  private handle(type: string, parts: Buffer[], size: number): void {
    switch (type) {
      case 'ftyp':
        this.ftyp = Buffer.concat(parts, size);
        return;
      case 'moov': {
        const box = Buffer.concat(parts, size);
        const tracks = parseMoov(box, {
          type,
          start: 0,
          headerSize: box.readUInt32BE(0) === 1 ? 16 : 8,
          size: box.length,
        });
        this.video = tracks.find((track) => track.kind === 'video');
        this.init = { data: Buffer.concat(this.ftyp === null ? [box] : [this.ftyp, box]), tracks };
        this.events.onInit(this.init);
        return;
      }
      case 'moof':
        this.moof = Buffer.concat(parts, size);
        return;
      case 'mdat': {
        if (this.moof === null || this.init === null) return;
        const moof = this.moof;
        this.moof = null;
        const summary = parseMoof(
          moof,
          { type: 'moof', start: 0, headerSize: 8, size: moof.length },
          this.video,
        );
        this.events.onFragment(createFragment([moof, ...parts], summary));
        return;
      }
      default:
        // styp, sidx, free, mfra: nothing the recorder needs.
        return;
    }
  }
}
