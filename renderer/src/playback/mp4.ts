/**
 * A small reader for the recorded segment files (fragmented MP4 as the engine writes them: `ftyp` + `moov`, then
 * `moof` + `mdat` pairs with `default_base_moof`). Playback needs only a few facts from a file, all in its head:
 * the tracks and their timescales, an MSE codec string per track, and the first fragment's video decode time
 * (`tfdt`) and frame duration, to place the file on the wall clock. Media data is never read.
 */

export interface Mp4Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

export interface Mp4Track {
  id: number;
  kind: 'video' | 'audio' | 'other';
  timescale: number;
  /** Sample entry code: `avc1`, `hvc1`, `hev1`, `mp4a`, ... */
  sampleEntry: string;
  /** RFC 6381 codec string for `MediaSource.isTypeSupported` (`avc1.64001f`, `mp4a.40.2`). */
  codec: string;
}

export interface SegmentFileInfo {
  tracks: Mp4Track[];
  /** `video/mp4; codecs="…"` for every track; the MSE type of this file. */
  mime: string;
  /** Bytes of `ftyp` + `moov`. */
  initLength: number;
  /** Decode time of the first video sample, in seconds (first `tfdt` / timescale). */
  firstVideoTime: number;
  /** Duration of one video frame in seconds, from the first fragment (0 when it has no video samples). */
  frameDuration: number;
}

export function readBoxAt(view: DataView, offset: number, end: number): Mp4Box | null {
  if (end - offset < 8) return null;
  let size = view.getUint32(offset);
  const type = fourCc(view, offset + 4);
  let headerSize = 8;
  if (size === 1) {
    if (end - offset < 16) return null;
    size = Number(view.getBigUint64(offset + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (size < headerSize) throw new Error(`Malformed MP4: box "${type}" has size ${size}`);
  return { type, start: offset, headerSize, size };
}

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

/** The complete child boxes of `[start, end)`; a box cut short by `end` ends the list. */
export function childBoxes(view: DataView, start: number, end: number): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  let offset = start;
  while (offset < end) {
    const box = readBoxAt(view, offset, end);
    if (box === null || box.start + box.size > end) break;
    boxes.push(box);
    offset += box.size;
  }
  return boxes;
}

function childOf(view: DataView, parent: Mp4Box, type: string, skip = 0): Mp4Box | undefined {
  return childBoxes(view, parent.start + parent.headerSize + skip, parent.start + parent.size).find(
    (box) => box.type === type,
  );
}

function path(view: DataView, parent: Mp4Box, ...types: string[]): Mp4Box | undefined {
  let box: Mp4Box | undefined = parent;
  for (const type of types) {
    if (box === undefined) return undefined;
    box = childOf(view, box, type);
  }
  return box;
}

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

/** `avc1.PPCCLL` from the `avcC` box: profile, constraint flags, level. */
function avcCodec(view: DataView, entry: string, avcC: Mp4Box | undefined): string {
  if (avcC === undefined || avcC.size < avcC.headerSize + 4) return entry;
  const at = avcC.start + avcC.headerSize;
  return `${entry}.${hex2(view.getUint8(at + 1))}${hex2(view.getUint8(at + 2))}${hex2(view.getUint8(at + 3))}`;
}

/** ISO/IEC 14496-15 annex E: `hvc1.1.6.L93.B0` from the `hvcC` box. */
function hevcCodec(view: DataView, entry: string, hvcC: Mp4Box | undefined): string {
  if (hvcC === undefined || hvcC.size < hvcC.headerSize + 13) return entry;
  const at = hvcC.start + hvcC.headerSize;
  const first = view.getUint8(at + 1);
  const space = ['', 'A', 'B', 'C'][first >> 6] ?? '';
  const tier = (first & 0x20) !== 0 ? 'H' : 'L';
  const profile = first & 0x1f;
  // The 32 compatibility flags in reverse bit order, as hex without leading zeros.
  const flags = view.getUint32(at + 2);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit += 1) reversed = (reversed << 1) | ((flags >>> bit) & 1);
  const level = view.getUint8(at + 12);
  const constraints: string[] = [];
  for (let index = 0; index < 6; index += 1) constraints.push(view.getUint8(at + 6 + index).toString(16));
  while (constraints.length > 0 && constraints.at(-1) === '0') constraints.pop();
  return [
    entry,
    `${space}${profile}`,
    (reversed >>> 0).toString(16),
    `${tier}${level}`,
    ...constraints.map((value) => value.toUpperCase()),
  ].join('.');
}

/** `mp4a.40.N` from the `esds` box's decoder config (object type 0x40 and the audio object type). */
function aacCodec(view: DataView, esds: Mp4Box | undefined): string {
  if (esds === undefined) return 'mp4a.40.2';
  const end = esds.start + esds.size;
  let at = esds.start + esds.headerSize + 4; // full box header
  // Descriptors: tag, then a size in up to four 7-bit bytes.
  const descriptor = (): { tag: number; body: number } | null => {
    if (at + 2 > end) return null;
    const tag = view.getUint8(at);
    at += 1;
    for (let index = 0; index < 4 && at < end; index += 1) {
      const byte = view.getUint8(at);
      at += 1;
      if ((byte & 0x80) === 0) break;
    }
    return { tag, body: at };
  };
  const es = descriptor();
  if (es?.tag !== 0x03) return 'mp4a.40.2';
  const esFlags = view.getUint8(at + 2);
  at += 3;
  if (esFlags & 0x80) at += 2;
  if (esFlags & 0x40) at += 1 + view.getUint8(at);
  if (esFlags & 0x20) at += 2;
  const config = descriptor();
  if (config?.tag !== 0x04 || at + 13 > end) return 'mp4a.40.2';
  const objectType = view.getUint8(at);
  at += 13;
  const specific = descriptor();
  if (specific?.tag !== 0x05 || at >= end) return `mp4a.${hex2(objectType)}`;
  const audioObjectType = view.getUint8(at) >> 3;
  return `mp4a.${hex2(objectType)}.${audioObjectType}`;
}

function parseTracks(view: DataView, moov: Mp4Box): Mp4Track[] {
  const tracks: Mp4Track[] = [];
  for (const trak of childBoxes(view, moov.start + moov.headerSize, moov.start + moov.size)) {
    if (trak.type !== 'trak') continue;
    const tkhd = childOf(view, trak, 'tkhd');
    const mdhd = path(view, trak, 'mdia', 'mdhd');
    const hdlr = path(view, trak, 'mdia', 'hdlr');
    if (tkhd === undefined || mdhd === undefined || hdlr === undefined) continue;
    const tkhdVersion = view.getUint8(tkhd.start + tkhd.headerSize);
    const id = view.getUint32(tkhd.start + tkhd.headerSize + (tkhdVersion === 1 ? 20 : 12));
    const mdhdVersion = view.getUint8(mdhd.start + mdhd.headerSize);
    const timescale = view.getUint32(mdhd.start + mdhd.headerSize + (mdhdVersion === 1 ? 20 : 12));
    const handler = fourCc(view, hdlr.start + hdlr.headerSize + 8);
    const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
    const stsd = path(view, trak, 'mdia', 'minf', 'stbl', 'stsd');
    const entry =
      stsd === undefined ? null : readBoxAt(view, stsd.start + stsd.headerSize + 8, stsd.start + stsd.size);
    const sampleEntry = entry?.type ?? '';
    let codec = sampleEntry;
    if (entry !== null) {
      // Visual sample entries carry 78 bytes before their child boxes, audio ones 28.
      if (sampleEntry === 'avc1' || sampleEntry === 'avc3')
        codec = avcCodec(view, sampleEntry, childOf(view, entry, 'avcC', 78));
      else if (sampleEntry === 'hvc1' || sampleEntry === 'hev1')
        codec = hevcCodec(view, sampleEntry, childOf(view, entry, 'hvcC', 78));
      else if (sampleEntry === 'mp4a') codec = aacCodec(view, childOf(view, entry, 'esds', 28));
    }
    tracks.push({ id, kind, timescale, sampleEntry, codec });
  }
  return tracks;
}

interface TrafTiming {
  trackId: number;
  decodeTime: number;
  duration: number;
  samples: number;
}

function parseTraf(view: DataView, traf: Mp4Box): TrafTiming | null {
  const tfhd = childOf(view, traf, 'tfhd');
  if (tfhd === undefined) return null;
  let at = tfhd.start + tfhd.headerSize;
  const tfhdFlags = view.getUint32(at) & 0xffffff;
  const trackId = view.getUint32(at + 4);
  at += 8;
  if (tfhdFlags & 0x01) at += 8;
  if (tfhdFlags & 0x02) at += 4;
  const defaultDuration = tfhdFlags & 0x08 ? view.getUint32(at) : 0;
  let decodeTime = 0;
  const tfdt = childOf(view, traf, 'tfdt');
  if (tfdt !== undefined) {
    const body = tfdt.start + tfdt.headerSize;
    decodeTime = view.getUint8(body) === 1 ? Number(view.getBigUint64(body + 4)) : view.getUint32(body + 4);
  }
  let duration = 0;
  let samples = 0;
  for (const trun of childBoxes(view, traf.start + traf.headerSize, traf.start + traf.size)) {
    if (trun.type !== 'trun') continue;
    let position = trun.start + trun.headerSize;
    const flags = view.getUint32(position) & 0xffffff;
    const count = view.getUint32(position + 4);
    position += 8;
    if (flags & 0x001) position += 4;
    if (flags & 0x004) position += 4;
    for (let index = 0; index < count; index += 1) {
      if (flags & 0x100) {
        duration += view.getUint32(position);
        position += 4;
      } else {
        duration += defaultDuration;
      }
      if (flags & 0x200) position += 4;
      if (flags & 0x400) position += 4;
      if (flags & 0x800) position += 4;
    }
    samples += count;
  }
  return { trackId, decodeTime, duration, samples };
}

/** The MSE type of a set of tracks. */
export function mimeOf(tracks: readonly Mp4Track[]): string {
  const codecs = tracks.filter((track) => track.kind !== 'other').map((track) => track.codec);
  return `video/mp4; codecs="${codecs.join(',')}"`;
}

/**
 * Reads the head of a segment file: `ftyp`, `moov` and the first `moof`. Throws when the file is not one (no
 * `moov`, no video track, no fragment).
 */
export function readSegmentFile(data: ArrayBuffer | Uint8Array): SegmentFileInfo {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let moov: Mp4Box | undefined;
  let moof: Mp4Box | undefined;
  let offset = 0;
  while (offset < view.byteLength && moof === undefined) {
    const box = readBoxAt(view, offset, view.byteLength);
    if (box === null || box.start + box.size > view.byteLength) break;
    if (box.type === 'moov') moov = box;
    else if (box.type === 'moof') moof = box;
    offset += box.size;
  }
  if (moov === undefined) throw new Error('The segment file has no moov box');
  const tracks = parseTracks(view, moov);
  const video = tracks.find((track) => track.kind === 'video');
  if (video === undefined) throw new Error('The segment file has no video track');
  if (moof === undefined) throw new Error('The segment file has no fragment');
  let timing: TrafTiming | null = null;
  for (const traf of childBoxes(view, moof.start + moof.headerSize, moof.start + moof.size)) {
    if (traf.type !== 'traf') continue;
    const found = parseTraf(view, traf);
    if (found?.trackId === video.id) timing = found;
  }
  if (timing === null) throw new Error('The first fragment has no video');
  return {
    tracks,
    mime: mimeOf(tracks),
    initLength: moov.start + moov.size,
    firstVideoTime: timing.decodeTime / video.timescale,
    frameDuration: timing.samples > 0 ? timing.duration / timing.samples / video.timescale : 0,
  };
}
