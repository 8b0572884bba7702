import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSampleFmp4 } from '../ingest/sample-media.js';
import { cutSample, type SampleSegment } from './export-samples.js';
import { keyframeAtOrBefore, readSegmentSource, sourceMismatch } from './export-source.js';
import { ExportBuilder, ExportCancelledError, writeExport } from './export-writer.js';

let dir: string;
/** 20 s of 360p H.264 + AAC, keyframe every second, fragments of 200 ms, cut into two 10 s segments. */
let segments: string[];
/** The same with B-frames (composition offsets) and no audio. */
let bframes: string;

interface Probe {
  duration: number;
  streams: { codec_type: string; codec_name: string; nb_read_packets?: string; start_time?: string }[];
}

function probe(file: string): Probe {
  const output = execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-count_packets'],
      ...['-show_entries', 'format=duration:stream=codec_type,codec_name,nb_read_packets,start_time'],
      ...['-of', 'json', file],
    ],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(output) as { format: { duration: string }; streams: Probe['streams'] };
  return { duration: Number(parsed.format.duration), streams: parsed.streams };
}

/** Size and checksum of every video packet, as FFmpeg reads them (stream copy, so they must be identical). */
function videoPackets(file: string): string[] {
  const output = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return output
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').slice(4).join(',').trim());
}

/** FFmpeg decodes the whole file without a complaint. */
function decodeErrors(file: string): string {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

function whole(file: string): {
  source: ReturnType<typeof readSegmentSource>;
  firstFragment: number;
  endMs: number;
} {
  return { source: readSegmentSource(file), firstFragment: 0, endMs: Number.POSITIVE_INFINITY };
}

async function exportTo(
  name: string,
  builder: ExportBuilder,
  extra: Partial<Parameters<typeof writeExport>[0]> = {},
): Promise<string> {
  const output = path.join(dir, name);
  await writeExport({
    builder,
    output,
    creationTime: Date.UTC(2026, 0, 1),
    signal: new AbortController().signal,
    ...extra,
  });
  return output;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-mp4-'));
  const cut: SampleSegment[] = cutSample(
    makeSampleFmp4({ width: 640, height: 360, fps: 25, seconds: 20, audio: true }),
    10_000,
  );
  segments = cut.map((segment, index) => write(`segment-${index}.mp4`, segment.bytes));
  const sample = path.join(dir, 'bframes.mp4');
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '6'],
    // The default preset uses B-frames: the trun carries composition offsets.
    ...['-c:v', 'libx264', '-preset', 'medium', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
    ...['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000'],
    sample,
  ]);
  bframes = sample;
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('export writer', () => {
  it('writes a faststart MP4 with every frame and the audio, the packets as recorded', async () => {
    expect(segments).toHaveLength(2);
    const builder = new ExportBuilder();
    for (const file of segments) expect(builder.add(whole(file))).toBe(true);
    const output = await exportTo('whole.mp4', builder);

    const probed = probe(output);
    expect(probed.streams.map((stream) => [stream.codec_type, stream.codec_name])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
    expect(probed.streams[0]?.nb_read_packets).toBe('500');
    expect(Number(probed.streams[0]?.start_time)).toBe(0);
    expect(probed.duration).toBeGreaterThan(19.9);
    expect(probed.duration).toBeLessThan(20.1);
    // Index first, one mdat, no fragments.
    const bytes = fs.readFileSync(output);
    const text = bytes.toString('latin1');
    expect(text.slice(4, 8)).toBe('ftyp');
    expect(text.indexOf('moov')).toBeLessThan(text.indexOf('mdat'));
    expect(text.indexOf('moof')).toBe(-1);
    expect(text.indexOf('stco')).toBeGreaterThan(-1);
    expect(text.indexOf('co64')).toBe(-1);
    expect(decodeErrors(output)).toBe('');
    expect(videoPackets(output)).toEqual([
      ...videoPackets(segments[0] ?? ''),
      ...videoPackets(segments[1] ?? ''),
    ]);
  });

  it('trims: from a keyframe fragment to the frame before the end', async () => {
    const [first] = segments;
    if (first === undefined) throw new Error('no segment');
    const source = readSegmentSource(first);
    const start = source.fragments[0]?.startMs ?? 0;
    const firstFragment = keyframeAtOrBefore(source.fragments, start + 2500);
    const keyframe = source.fragments[firstFragment];
    // The sample's first frame lasts 61 ms (FFmpeg's audio delay), so keyframes fall at 21 ms past the second.
    expect(keyframe?.keyframe).toBe(true);
    expect(keyframe?.startMs).toBeCloseTo(start + 2021.4, 0);
    const builder = new ExportBuilder();
    builder.add({ source, firstFragment, endMs: start + 7300 });
    const output = await exportTo('trimmed.mp4', builder);
    const probed = probe(output);
    // From the keyframe to the last frame starting before 7.3 s: every 40 ms.
    const seconds = (start + 7300 - (keyframe?.startMs ?? 0)) / 1000;
    expect(probed.streams[0]?.nb_read_packets).toBe(String(Math.ceil(seconds * 25)));
    expect(Math.abs(probed.duration - seconds)).toBeLessThan(0.05);
    expect(probed.streams.map((stream) => stream.codec_type)).toEqual(['video', 'audio']);
    expect(decodeErrors(output)).toBe('');
  });

  it('plays straight across a gap: pieces of two runs follow each other, audio kept in step', async () => {
    const [first, second] = segments;
    if (first === undefined || second === undefined) throw new Error('no segments');
    const builder = new ExportBuilder();
    // The first segment, then the second from 4 s on: 6 s of footage after a "gap" the file skips.
    builder.add(whole(first));
    const later = readSegmentSource(second);
    const from = keyframeAtOrBefore(later.fragments, (later.fragments[0]?.startMs ?? 0) + 4000);
    builder.add({ source: later, firstFragment: from, endMs: Number.POSITIVE_INFINITY });
    const [video, audio] = builder.tracks;
    if (video === undefined || audio === undefined) throw new Error('tracks missing');
    const videoSeconds = video.duration / video.source.timescale;
    const audioSeconds = audio.duration / audio.source.timescale;
    // The audio ends within one AAC frame (1024 samples at 48 kHz) of the video.
    expect(Math.abs(videoSeconds - audioSeconds)).toBeLessThan(0.03);
    const output = await exportTo('gap.mp4', builder);
    const probed = probe(output);
    expect(probed.streams[0]?.nb_read_packets).toBe(String(250 + 150));
    expect(Math.abs(probed.duration - 16)).toBeLessThan(0.05);
    expect(decodeErrors(output)).toBe('');
  });

  it('keeps B-frame order: composition offsets, an edit list, every frame decodable', async () => {
    const builder = new ExportBuilder();
    builder.add(whole(bframes));
    const output = await exportTo('bframes-export.mp4', builder);
    const text = fs.readFileSync(output).toString('latin1');
    expect(text.indexOf('ctts')).toBeGreaterThan(-1);
    expect(text.indexOf('elst')).toBeGreaterThan(-1);
    const probed = probe(output);
    expect(probed.streams[0]?.nb_read_packets).toBe('150');
    expect(Number(probed.streams[0]?.start_time)).toBe(0);
    expect(Math.abs(probed.duration - 6)).toBeLessThan(0.05);
    expect(decodeErrors(output)).toBe('');
    expect(videoPackets(output)).toEqual(videoPackets(bframes));
  });

  it('switches to co64 and a 64-bit mdat size past the 32-bit limit (a small limit stands in for 4 GiB)', async () => {
    const builder = new ExportBuilder();
    for (const file of segments) builder.add(whole(file));
    const output = await exportTo('co64.mp4', builder, { uint32Limit: 1_000_000, blockBytes: 64 * 1024 });
    const bytes = fs.readFileSync(output);
    const text = bytes.toString('latin1');
    expect(text.indexOf('co64')).toBeGreaterThan(-1);
    expect(text.indexOf('stco')).toBe(-1);
    const mdat = text.indexOf('mdat');
    // size 1, then the 64-bit size after the type.
    expect(bytes.readUInt32BE(mdat - 4)).toBe(1);
    expect(Number(bytes.readBigUInt64BE(mdat + 4))).toBe(bytes.length - (mdat - 4));
    expect(probe(output).streams[0]?.nb_read_packets).toBe('500');
    expect(decodeErrors(output)).toBe('');
    expect(videoPackets(output)).toEqual([
      ...videoPackets(segments[0] ?? ''),
      ...videoPackets(segments[1] ?? ''),
    ]);
  });

  it('stops between blocks when cancelled', async () => {
    const builder = new ExportBuilder();
    for (const file of segments) builder.add(whole(file));
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      exportTo('cancelled.mp4', builder, {
        signal: controller.signal,
        blockBytes: 64 * 1024,
        onProgress: (fraction) => {
          seen.push(fraction);
          if (seen.length === 2) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(ExportCancelledError);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeLessThan(1);
  });

  it('tells segments apart whose codec settings differ', () => {
    const [first] = segments;
    if (first === undefined) throw new Error('no segment');
    expect(sourceMismatch(readSegmentSource(first), readSegmentSource(first))).toBeNull();
    expect(sourceMismatch(readSegmentSource(first), readSegmentSource(bframes))).toMatch(
      /its video \(avc1 320x240 @\d+\) differs from the export's first segment \(avc1 640x360 @\d+\)/,
    );
  });
});
