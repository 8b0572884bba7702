import { describe, expect, it } from 'vitest';
import { buildMp4Head, Mp4Track, type Mp4TrackSource } from './mp4-writer.js';

/** A minimal box for the source fields the writer copies. */
function fakeBox(type: string, body = Buffer.alloc(4)): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function track(kind: 'video' | 'audio', id: number): Mp4Track {
  const source: Mp4TrackSource = {
    id,
    kind,
    timescale: kind === 'video' ? 90_000 : 48_000,
    tkhd: fakeBox('tkhd', Buffer.alloc(84)),
    mdhd: fakeBox('mdhd', Buffer.alloc(24)),
    hdlr: fakeBox(
      'hdlr',
      Buffer.concat([Buffer.alloc(8), Buffer.from(kind === 'video' ? 'vide' : 'soun'), Buffer.alloc(13)]),
    ),
    mediaHeader: null,
    dinf: null,
    stsd: fakeBox('stsd', Buffer.alloc(8)),
  };
  return new Mp4Track(source);
}

/** Offsets of the boxes of `type` anywhere in `bytes` (a plain scan: the fake payloads hold no box names). */
function find(bytes: Buffer, type: string): number[] {
  const found: number[] = [];
  for (let at = bytes.indexOf(type, 0, 'latin1'); at !== -1; at = bytes.indexOf(type, at + 1, 'latin1'))
    found.push(at - 4);
  return found;
}

/** The 32-bit words of a full box's body (after version/flags). */
function words(bytes: Buffer, at: number): number[] {
  const size = bytes.readUInt32BE(at);
  const values: number[] = [];
  for (let offset = at + 12; offset + 4 <= at + size; offset += 4) values.push(bytes.readUInt32BE(offset));
  return values;
}

/** 3 chunks of video (25 fps at 90 kHz, a keyframe every 10 frames) of 10 frames of 1000 bytes. */
function filled(): { video: Mp4Track; payload: number } {
  const video = track('video', 1);
  let payload = 0;
  for (let chunk = 0; chunk < 3; chunk += 1) {
    for (let index = 0; index < 10; index += 1) video.addSample(1000, 3600, index === 0, 0);
    video.addChunk(payload, 10, 1);
    payload += 10_000;
  }
  return { video, payload };
}

describe('mp4 writer', () => {
  it('writes run-length tables, sync samples and 32-bit chunk offsets after the head', () => {
    const { video, payload } = filled();
    const head = buildMp4Head([video], { payloadBytes: payload, creationTime: Date.UTC(2026, 0, 1) });
    const { bytes } = head;
    expect(head).toMatchObject({ co64: false, largeMdat: false });
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
    // mdat header last: size covers the payload.
    expect(bytes.toString('latin1', bytes.length - 4)).toBe('mdat');
    expect(bytes.readUInt32BE(bytes.length - 8)).toBe(payload + 8);
    const [stts] = find(bytes, 'stts');
    expect(words(bytes, stts ?? 0)).toEqual([1, 30, 3600]);
    const [stsc] = find(bytes, 'stsc');
    expect(words(bytes, stsc ?? 0)).toEqual([1, 1, 10, 1]);
    const [stss] = find(bytes, 'stss');
    expect(words(bytes, stss ?? 0)).toEqual([3, 1, 11, 21]);
    const [stsz] = find(bytes, 'stsz');
    // One size for all: no table.
    expect(words(bytes, stsz ?? 0)).toEqual([1000, 30]);
    const [stco] = find(bytes, 'stco');
    expect(words(bytes, stco ?? 0)).toEqual([3, bytes.length, bytes.length + 10_000, bytes.length + 20_000]);
    expect(find(bytes, 'ctts')).toEqual([]);
    expect(find(bytes, 'edts')).toEqual([]);
    // mvhd duration: 30 frames of 40 ms.
    const [mvhd] = find(bytes, 'mvhd');
    expect(bytes.readUInt32BE((mvhd ?? 0) + 24)).toBe(1200);
  });

  it('switches to co64 and a 64-bit mdat size only past the limit', () => {
    const { video } = filled();
    // A last chunk of 10 bytes at 30 000: the mdat holds 30 010 bytes.
    video.addSample(10, 3600, false, 0);
    video.addChunk(30_000, 1, 1);
    const payload = 30_010;
    const fits = buildMp4Head([video], { payloadBytes: payload, creationTime: 0, uint32Limit: 1_000_000 });
    expect(fits).toMatchObject({ co64: false, largeMdat: false });
    // The mdat size (30 018) fits the limit, the last chunk's offset (head + 30 000) does not.
    const offsets64 = buildMp4Head([video], { payloadBytes: payload, creationTime: 0, uint32Limit: 30_018 });
    expect(offsets64).toMatchObject({ co64: true, largeMdat: false });
    const { bytes } = offsets64;
    expect(find(bytes, 'stco')).toEqual([]);
    const [co64] = find(bytes, 'co64');
    const at = (co64 ?? 0) + 16;
    expect([0, 1, 2, 3].map((index) => Number(bytes.readBigUInt64BE(at + index * 8)))).toEqual([
      bytes.length,
      bytes.length + 10_000,
      bytes.length + 20_000,
      bytes.length + 30_000,
    ]);
    const large = buildMp4Head([video], { payloadBytes: payload, creationTime: 0, uint32Limit: 30_017 });
    expect(large).toMatchObject({ co64: true, largeMdat: true });
    const end = large.bytes.length;
    expect(large.bytes.readUInt32BE(end - 16)).toBe(1);
    expect(large.bytes.toString('latin1', end - 12, end - 8)).toBe('mdat');
    expect(Number(large.bytes.readBigUInt64BE(end - 8))).toBe(payload + 16);
  });

  it('keeps composition offsets (ctts) and starts the edit list at the first picture shown', () => {
    const video = track('video', 1);
    // I P B B: decode order with B-frames shown before the P.
    const offsets = [7200, 14_400, 3600, 3600];
    offsets.forEach((offset, index) => video.addSample(500, 3600, index === 0, offset));
    video.addChunk(0, 4, 1);
    video.compositionShift = 7200;
    const audio = track('audio', 2);
    audio.addSample(300, 1024, true, 0);
    audio.addChunk(2000, 1, 1);
    audio.startOffsetSeconds = 0.05;
    const { bytes } = buildMp4Head([video, audio], { payloadBytes: 2300, creationTime: 0 });
    const [ctts] = find(bytes, 'ctts');
    expect(words(bytes, ctts ?? 0)).toEqual([3, 1, 7200, 1, 14_400, 2, 3600]);
    const [videoElst, audioElst] = find(bytes, 'elst');
    // 160 ms of video from media time 7200; audio: 50 ms of nothing, then its 21 ms.
    expect(words(bytes, videoElst ?? 0)).toEqual([1, 160, 7200, 0x00010000]);
    expect(words(bytes, audioElst ?? 0)).toEqual([2, 50, 0xffffffff, 0x00010000, 21, 0, 0x00010000]);
    // Audio: every sample a sync sample, so no stss; only the video has one.
    expect(find(bytes, 'stss')).toHaveLength(1);
    const [mvhd] = find(bytes, 'mvhd');
    expect(bytes.readUInt32BE((mvhd ?? 0) + 24)).toBe(160);
  });

  it('moves later samples by stretching one, never below one unit', () => {
    const audio = track('audio', 2);
    for (let index = 0; index < 3; index += 1) audio.addSample(10, 1024, true, 0);
    expect(audio.stretchSample(1, 100)).toBe(0);
    expect(audio.duration).toBe(3172);
    expect(audio.stretchSample(1, -2000)).toBe(-2000 + 1123);
    expect(audio.durations.at(1)).toBe(1);
  });
});
