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
  /**
   * The RFC 6381 codec string a player needs for `MediaSource.isTypeSupported` and `addSourceBuffer`
   * (`avc1.42c01f`, `hvc1.1.6.L93.B0`, `mp4a.40.2`); the bare four-character code when the configuration box is
   * missing or unknown.
   */
  codecString: string;
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
   * `moof` + `mdat`, self-contained with `default_base_moof`, written with one `writev`. From a reader with
   * `reuseBuffer` these point into memory the next read overwrites: use them before `onFragment` returns.
   */
  parts: readonly Buffer[];
  byteLength: number;
  /** The fragment as one buffer of its own, made on first use and kept (live viewers need one message). */
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

export interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

/** Box type names by their four bytes, so reading a header allocates no string (it runs per fragment). */
const boxTypes = new Map<number, string>();

function boxType(code: number): string {
  let type = boxTypes.get(code);
  if (type === undefined) {
    type = String.fromCharCode(code >>> 24, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff);
    // Only the first few hundred distinct types are kept: a garbage stream cannot grow the map without bound.
    if (boxTypes.size < 512) boxTypes.set(code, type);
  }
  return type;
}

export function readBox(buffer: Buffer, offset: number, end: number): Box | null {
  if (end - offset < 8) return null;
  let size = buffer.readUInt32BE(offset);
  const type = boxType(buffer.readUInt32BE(offset + 4));
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

/** The complete child boxes of the range `start`..`end` (a plain loop: this runs for every fragment). */
function children(buffer: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset < end) {
    const box = readBox(buffer, offset, end);
    if (box === null || box.start + box.size > end) break;
    boxes.push(box);
    offset += box.size;
  }
  return boxes;
}

function child(buffer: Buffer, parent: Box, type: string, skip = 0): Box | undefined {
  const end = parent.start + parent.size;
  let offset = parent.start + parent.headerSize + skip;
  while (offset < end) {
    const box = readBox(buffer, offset, end);
    if (box === null || box.start + box.size > end) return undefined;
    if (box.type === type) return box;
    offset += box.size;
  }
  return undefined;
}

function childrenOf(buffer: Buffer, parent: Box, type: string): Box[] {
  return children(buffer, parent.start + parent.headerSize, parent.start + parent.size).filter(
    (box) => box.type === type,
  );
}

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

/** Size of the fixed part of a VisualSampleEntry / AudioSampleEntry before their child boxes. */
const VISUAL_ENTRY_FIXED = 78;
const AUDIO_ENTRY_FIXED = 28;

/** Reads an MPEG-4 descriptor's tag and length (1 to 4 bytes of 7 bits each). */
function descriptorAt(
  buffer: Buffer,
  offset: number,
  end: number,
): { tag: number; body: number; size: number } | null {
  if (offset >= end) return null;
  const tag = buffer.readUInt8(offset);
  let size = 0;
  let position = offset + 1;
  for (let index = 0; index < 4 && position < end; index += 1) {
    const byte = buffer.readUInt8(position);
    position += 1;
    size = (size << 7) | (byte & 0x7f);
    if ((byte & 0x80) === 0) break;
  }
  return { tag, body: position, size };
}

/** `mp4a.40.<audio object type>` from the `esds` box (AAC LC is `mp4a.40.2`). */
function aacCodecString(buffer: Buffer, esds: Box): string | null {
  const end = esds.start + esds.size;
  // Full box header, then ES_Descriptor (tag 3): ES_ID(2), flags(1) and the optional fields the flags announce.
  const es = descriptorAt(buffer, esds.start + esds.headerSize + 4, end);
  if (es === null || es.tag !== 3) return null;
  const flags = buffer.readUInt8(es.body + 2);
  let position = es.body + 3;
  if (flags & 0x80) position += 2;
  if (flags & 0x40) position += 1 + buffer.readUInt8(position);
  if (flags & 0x20) position += 2;
  const config = descriptorAt(buffer, position, end);
  if (config === null || config.tag !== 4) return null;
  const objectType = buffer.readUInt8(config.body);
  // DecoderConfigDescriptor: objectType(1) streamType(1) bufferSize(3) maxBitrate(4) avgBitrate(4), then tag 5.
  const specific = descriptorAt(buffer, config.body + 13, end);
  if (specific === null || specific.tag !== 5 || specific.size < 1) return `mp4a.${hex2(objectType)}`;
  let audioObjectType = buffer.readUInt8(specific.body) >> 3;
  if (audioObjectType === 31)
    audioObjectType = 32 + (((buffer.readUInt16BE(specific.body) >> 5) & 0x3f) >>> 0);
  return `mp4a.${hex2(objectType)}.${audioObjectType}`;
}

/** `hvc1.<space><profile>.<compat, bit-reversed hex>.<tier><level>.<constraint bytes>` from `hvcC` (ISO 14496-15 E.3). */
function hevcCodecString(type: string, buffer: Buffer, hvcc: Box): string | null {
  const body = hvcc.start + hvcc.headerSize;
  if (hvcc.size - hvcc.headerSize < 13) return null;
  const byte1 = buffer.readUInt8(body + 1);
  const space = ['', 'A', 'B', 'C'][byte1 >> 6] ?? '';
  const tier = (byte1 & 0x20) !== 0 ? 'H' : 'L';
  const profile = byte1 & 0x1f;
  let compat = buffer.readUInt32BE(body + 2);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit += 1) {
    reversed = ((reversed << 1) | (compat & 1)) >>> 0;
    compat >>>= 1;
  }
  const constraints: string[] = [];
  for (let index = 0; index < 6; index += 1)
    constraints.push(buffer.readUInt8(body + 6 + index).toString(16));
  while (constraints.length > 0 && constraints.at(-1) === '0') constraints.pop();
  const level = buffer.readUInt8(body + 12);
  const tail = constraints.length === 0 ? '' : `.${constraints.join('.').toUpperCase()}`;
  return `${type}.${space}${profile}.${reversed.toString(16).toUpperCase()}.${tier}${level}${tail}`;
}

/** The RFC 6381 string of one sample entry (`avc1`/`avc3`, `hvc1`/`hev1`, `mp4a`); its 4CC when unknown. */
function sampleEntryCodecString(buffer: Buffer, entry: Box): string {
  const type = entry.type;
  if (type === 'avc1' || type === 'avc3') {
    const avcc = child(buffer, entry, 'avcC', VISUAL_ENTRY_FIXED);
    if (avcc === undefined || avcc.size - avcc.headerSize < 4) return type;
    const body = avcc.start + avcc.headerSize;
    // AVCDecoderConfigurationRecord: version, profile, constraint flags, level.
    return `${type}.${hex2(buffer.readUInt8(body + 1))}${hex2(buffer.readUInt8(body + 2))}${hex2(buffer.readUInt8(body + 3))}`;
  }
  if (type === 'hvc1' || type === 'hev1') {
    const hvcc = child(buffer, entry, 'hvcC', VISUAL_ENTRY_FIXED);
    return (hvcc === undefined ? null : hevcCodecString(type, buffer, hvcc)) ?? type;
  }
  if (type === 'mp4a') {
    const esds = child(buffer, entry, 'esds', AUDIO_ENTRY_FIXED);
    return (esds === undefined ? null : aacCodecString(buffer, esds)) ?? type;
  }
  return type;
}

/** The MSE type of a stream with these tracks: `video/mp4; codecs="avc1.42c01f,mp4a.40.2"`. */
export function mseMimeType(tracks: readonly TrackInfo[]): string {
  const codecs = tracks.filter((track) => track.kind !== 'other').map((track) => track.codecString);
  return `video/mp4; codecs="${codecs.join(',')}"`;
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
    let codecString = '';
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
        codecString = sampleEntryCodecString(buffer, entry);
        if (kind === 'video' && entry.size >= entry.headerSize + 28) {
          // VisualSampleEntry: 6 reserved + 2 index + 16 pre-defined/reserved, then width and height.
          width = buffer.readUInt16BE(entry.start + entry.headerSize + 24);
          height = buffer.readUInt16BE(entry.start + entry.headerSize + 26);
        }
      }
    }
    tracks.push({
      id,
      kind,
      timescale,
      codec,
      codecString,
      ...(width === undefined ? {} : { width, height }),
    });
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

/** A fragment whose `data` joins its parts only when someone asks (a class: one is made per fragment). */
class LazyFragment implements Fragment {
  readonly byteLength: number;
  readonly keyframe: boolean;
  readonly startMs: number;
  readonly durationMs: number;
  readonly videoFrames: number;
  private joined: Buffer | null = null;

  constructor(
    readonly parts: readonly Buffer[],
    summary: FragmentSummary,
    private readonly transient: boolean,
  ) {
    let byteLength = 0;
    for (const part of parts) byteLength += part.length;
    this.byteLength = byteLength;
    this.keyframe = summary.keyframe;
    this.startMs = summary.startMs;
    this.durationMs = summary.durationMs;
    this.videoFrames = summary.videoFrames;
  }

  get data(): Buffer {
    if (this.joined === null) {
      const [only] = this.parts;
      this.joined =
        this.parts.length === 1 && only !== undefined && !this.transient
          ? only
          : Buffer.concat(this.parts, this.byteLength);
    }
    return this.joined;
  }
}

type FragmentSummary = Omit<Fragment, 'parts' | 'byteLength' | 'data'>;

/**
 * Makes a `Fragment` from its parts; `data` joins them only when someone asks. `transient` parts are memory
 * that will be reused: `data` is then always a copy.
 */
export function createFragment(
  parts: readonly Buffer[],
  summary: FragmentSummary,
  transient = false,
): Fragment {
  return new LazyFragment(parts, summary, transient);
}

/** Summarises one `moof` for the track `videoTrack` (the first video track). */
export function parseMoof(buffer: Buffer, moof: Box, video: TrackInfo | undefined): FragmentSummary {
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

export interface Fmp4ReaderOptions {
  /**
   * Hand out fragments whose `parts` point into the reader's own buffer, which later reads reuse: no copy and
   * no allocation per fragment on the recording path, but `onFragment` must write or copy the bytes before it
   * returns (`data` is a copy and may be kept). Off by default: every fragment then owns its bytes.
   */
  reuseBuffer?: boolean;
  /**
   * Keep the fragments since the last keyframe in the buffer (`currentGop()`), so a new live viewer can start
   * at once without anyone copying every fragment in case a viewer comes.
   */
  keepGop?: boolean;
  /** Initial size of the buffer (tests use a small one to exercise moving and growing). */
  initialBufferBytes?: number;
}

/** Initial size of the reader's buffer; it grows (doubling) to fit the largest fragment or GOP seen. */
const INITIAL_BUFFER_BYTES = 1024 * 1024;
/** Free space offered to each read. */
const MIN_READ_BYTES = 64 * 1024;
/** A GOP larger than this (keyframes minutes apart) is not kept; a new viewer waits for the next keyframe. */
const MAX_GOP_BYTES = 32 * 1024 * 1024;

/**
 * Reads FFmpeg's fMP4 output; init and fragments come out through the callbacks. Throws on malformed input
 * (the caller restarts the session).
 *
 * Bytes live in one buffer: the kept GOP (with `keepGop`), then unparsed input. A pipe reader can read
 * straight into it (`readBuffer()` then `written(n)`, no copy at all); `push(chunk)` copies a chunk in. A
 * `moof` is taken together with the `mdat` after it, so a fragment is one contiguous slice. When the buffer
 * runs out of room, what must be kept moves to its front, or it grows.
 */
export class Fmp4Reader {
  private buffer: Buffer;
  /** First unparsed byte. */
  private parsed = 0;
  /** End of the bytes read. */
  private used = 0;
  /** Start and end offsets of the fragments since the last keyframe (only with `keepGop`). */
  private gop: number[] = [];
  private ftyp: Buffer | null = null;
  private init: InitSegment | null = null;
  private video: TrackInfo | undefined;
  private readonly reuseBuffer: boolean;
  private readonly keepGop: boolean;

  constructor(
    private readonly events: Fmp4ReaderEvents,
    options: Fmp4ReaderOptions = {},
  ) {
    this.reuseBuffer = options.reuseBuffer ?? false;
    this.keepGop = options.keepGop ?? false;
    this.buffer = Buffer.allocUnsafe(options.initialBufferBytes ?? INITIAL_BUFFER_BYTES);
  }

  get initSegment(): InitSegment | null {
    return this.init;
  }

  /** Copies of the fragments since the last keyframe (empty without `keepGop` or before a keyframe). */
  currentGop(): Buffer[] {
    const copies: Buffer[] = [];
    for (let index = 0; index < this.gop.length; index += 2)
      copies.push(Buffer.from(this.buffer.subarray(this.gop[index], this.gop[index + 1])));
    return copies;
  }

  /** Copies `chunk` in and parses; the caller may reuse `chunk` once this returns. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const target = this.readBuffer();
      const copied = chunk.copy(target, 0, offset);
      offset += copied;
      this.written(copied);
    }
  }

  /** Where the next read should land: free space at the end of the buffer (at least 64 KiB). */
  readBuffer(): Buffer {
    let needed = MIN_READ_BYTES;
    // An incomplete box whose size is known must fit whole (a fragment is one slice): make room for it now.
    let pending = readBox(this.buffer, this.parsed, this.used);
    if (pending !== null && pending.type === 'moof' && pending.start + pending.size <= this.used) {
      // The moof is here; its mdat is what is coming.
      pending = readBox(this.buffer, pending.start + pending.size, this.used) ?? pending;
    }
    if (pending !== null && pending.size <= MAX_BOX_BYTES)
      needed = Math.max(needed, pending.start + pending.size - this.used);
    if (this.buffer.length - this.used < needed) this.makeRoom(needed);
    return this.buffer.subarray(this.used);
  }

  /** `bytes` were read into `readBuffer()`: parse what is complete. */
  written(bytes: number): void {
    this.used += bytes;
    for (;;) {
      const box = this.completeBox(this.parsed);
      if (box === null) return;
      if (box.type === 'moof') {
        const mdat = this.completeBox(box.start + box.size);
        if (mdat === null) return;
        if (mdat.type === 'mdat') {
          this.fragment(box, mdat);
          this.parsed = mdat.start + mdat.size;
          continue;
        }
        // A moof without its mdat: nothing to record; skip it.
      } else {
        this.handle(box);
      }
      this.parsed = box.start + box.size;
    }
  }

  /** The box at `offset` when all of it has arrived; throws on a malformed or oversized one. */
  private completeBox(offset: number): Box | null {
    const box = readBox(this.buffer, offset, this.used);
    if (box === null) return null;
    if (box.size > MAX_BOX_BYTES) throw new Error(`MP4 box ${box.type} of ${box.size} bytes is too large`);
    return offset + box.size <= this.used ? box : null;
  }

  /** Ensures `needed` free bytes after `used`: moves the kept bytes to the front, or grows. */
  private makeRoom(needed: number): void {
    let keepFrom = this.gop.length > 0 ? (this.gop[0] ?? this.parsed) : this.parsed;
    if (this.used - keepFrom + needed > MAX_GOP_BYTES + MAX_BOX_BYTES) {
      this.gop = [];
      keepFrom = this.parsed;
    }
    const kept = this.used - keepFrom;
    // Grow when moving alone would leave the buffer more than half full, so moves stay rare.
    if ((kept + needed) * 2 > this.buffer.length) {
      let size = this.buffer.length;
      while (size < (kept + needed) * 2) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buffer.copy(grown, 0, keepFrom, this.used);
      this.buffer = grown;
    } else {
      this.buffer.copyWithin(0, keepFrom, this.used);
    }
    this.parsed -= keepFrom;
    this.used -= keepFrom;
    for (let index = 0; index < this.gop.length; index += 1)
      this.gop[index] = (this.gop[index] ?? 0) - keepFrom;
  }

  private fragment(moof: Box, mdat: Box): void {
    if (this.init === null) return;
    const summary = parseMoof(this.buffer, moof, this.video);
    const end = mdat.start + mdat.size;
    if (this.keepGop) {
      if (summary.keyframe) this.gop = [moof.start, end];
      else if (this.gop.length > 0) {
        const gopStart = this.gop[0] ?? moof.start;
        if (end - gopStart > MAX_GOP_BYTES) this.gop = [];
        else this.gop.push(moof.start, end);
      }
    }
    const view = this.buffer.subarray(moof.start, end);
    this.events.onFragment(
      createFragment([this.reuseBuffer ? view : Buffer.from(view)], summary, this.reuseBuffer),
    );
  }

  private handle(box: Box): void {
    switch (box.type) {
      case 'ftyp':
        this.ftyp = Buffer.from(this.buffer.subarray(box.start, box.start + box.size));
        return;
      case 'moov': {
        const moov = Buffer.from(this.buffer.subarray(box.start, box.start + box.size));
        const tracks = parseMoov(moov, { ...box, start: 0 });
        this.video = tracks.find((track) => track.kind === 'video');
        this.init = { data: Buffer.concat(this.ftyp === null ? [moov] : [this.ftyp, moov]), tracks };
        this.gop = [];
        this.events.onInit(this.init);
        return;
      }
      default:
        // styp, sidx, free, mfra, a stray mdat: nothing the recorder needs.
        return;
    }
  }
}
