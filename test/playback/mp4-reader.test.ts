/**
 * The playback box reader (renderer/src/playback/mp4.ts) on real fragmented MP4 files that FFmpeg makes here,
 * muxed as the engine records them (`+frag_keyframe+empty_moov+default_base_moof`). It lives under test/ because
 * renderer code and tests may not import Node (no child_process to run FFmpeg); the reader is plain TypeScript.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fmp4Reader } from '../../electron/engine/ingest/fmp4.js';

/** What the test uses of the reader (tsconfig.node leaves renderer files out, so it is imported untyped). */
interface Mp4Reader {
  readSegmentFile: (data: Uint8Array) => {
    tracks: { kind: string; codec: string }[];
    mime: string;
    initLength: number;
    firstVideoTime: number;
    frameDuration: number;
  };
}
const READER_MODULE = '../../renderer/src/playback/mp4.js';
const { readSegmentFile } = (await import(READER_MODULE)) as Mp4Reader;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-mp4-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function make(name: string, args: string[]): Buffer {
  const file = path.join(dir, name);
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
      ...args,
      ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', file],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return fs.readFileSync(file);
}

describe('readSegmentFile on FFmpeg output', () => {
  it('reads H.264 + AAC: codec strings, timescales, first decode time and frame duration', () => {
    const data = make('avc-aac.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'],
      ...[
        '-t',
        '3',
        '-c:v',
        'libx264',
        '-profile:v',
        'high',
        '-level',
        '3.1',
        '-g',
        '25',
        '-pix_fmt',
        'yuv420p',
      ],
      ...['-c:a', 'aac'],
    ]);
    const info = readSegmentFile(data);
    expect(info.tracks.map((track) => [track.kind, track.codec])).toEqual([
      ['video', 'avc1.64001f'],
      ['audio', 'mp4a.40.2'],
    ]);
    expect(info.mime).toBe('video/mp4; codecs="avc1.64001f,mp4a.40.2"');
    expect(info.firstVideoTime).toBe(0);
    expect(info.frameDuration).toBeCloseTo(1 / 25, 6);
    // The init is ftyp + moov: the next box is the first moof.
    expect(data.toString('latin1', info.initLength + 4, info.initLength + 8)).toBe('moof');
  });

  it('reads a decode time that does not start at zero (a later file of the same FFmpeg session)', () => {
    // Cut as the recorder cuts: the init, then the fragments from the second keyframe on.
    const data = make('session.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'],
      ...['-t', '3', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '15', '-pix_fmt', 'yuv420p'],
    ]);
    const init: Buffer[] = [];
    const fragments: Buffer[] = [];
    const reader = new Fmp4Reader({
      onInit: (segment) => init.push(segment.data),
      onFragment: (fragment) => fragments.push(fragment.data),
    });
    reader.push(data);
    expect(fragments.length).toBeGreaterThanOrEqual(3);
    const later = Buffer.concat([...init, ...fragments.slice(1)]);
    const info = readSegmentFile(later);
    expect(info.tracks).toHaveLength(1);
    expect(info.tracks[0]?.codec).toMatch(/^avc1\.42c0[0-9a-f]{2}$/);
    expect(info.firstVideoTime).toBeCloseTo(1, 6);
    expect(info.frameDuration).toBeCloseTo(1 / 15, 6);
  });

  it('reads H.265 with an RFC 6381 codec string', () => {
    const data = make('hevc.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10'],
      ...['-t', '1', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'],
    ]);
    const info = readSegmentFile(data);
    expect(info.tracks[0]?.codec).toMatch(/^hvc1\.1\.6\.L\d+(\.[0-9A-F]+)*$/);
    expect(info.frameDuration).toBeCloseTo(1 / 10, 6);
  });

  it('refuses what is not a segment file', () => {
    const data = make('whole.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10'],
      ...['-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    ]);
    const initOnly = data.subarray(0, readSegmentFile(data).initLength);
    expect(() => readSegmentFile(initOnly)).toThrow('no fragment');
    expect(() => readSegmentFile(new Uint8Array(64))).toThrow();
  });
});
