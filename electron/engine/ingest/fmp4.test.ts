import { makeSampleFmp4 } from './sample-media.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Fmp4Reader, mseMimeType, type Fragment, type InitSegment } from './fmp4.js';

let sample: Buffer;

/** Three seconds of 25 fps video with a keyframe every 25 frames and AAC audio, fragmented like the ingest. */
beforeAll(() => {
  sample = makeSampleFmp4({ width: 320, height: 240, fps: 25, seconds: 3, audio: true });
});

function read(chunks: Buffer[]): { init: InitSegment[]; fragments: Fragment[] } {
  const init: InitSegment[] = [];
  const fragments: Fragment[] = [];
  const reader = new Fmp4Reader({
    onInit: (segment) => init.push(segment),
    onFragment: (f) => fragments.push(f),
  });
  for (const chunk of chunks) reader.push(chunk);
  return { init, fragments };
}

describe('Fmp4Reader', () => {
  it('finds the init segment, its tracks, and every fragment with its video timing', () => {
    const { init, fragments } = read([sample]);
    expect(init).toHaveLength(1);
    expect(init[0]!.tracks.map((track) => [track.kind, track.codec])).toEqual([
      ['video', 'avc1'],
      ['audio', 'mp4a'],
    ]);
    expect(init[0]!.tracks[0]).toMatchObject({ width: 320, height: 240 });
    // RFC 6381 strings for MSE: x264 ultrafast is Constrained Baseline (0x42, constraint flags 0xc0), level 1.3
    // for 320x240 at 25 fps; FFmpeg's AAC encoder writes AAC LC (object type 2).
    expect(init[0]!.tracks.map((track) => track.codecString)).toEqual(['avc1.42c00d', 'mp4a.40.2']);
    expect(mseMimeType(init[0]!.tracks)).toBe('video/mp4; codecs="avc1.42c00d,mp4a.40.2"');
    // 75 frames in fragments of at most 200 ms: 5 frames each.
    expect(fragments.reduce((sum, f) => sum + f.videoFrames, 0)).toBe(75);
    // A keyframe every 25 frames: three keyframe fragments one second apart (FFmpeg may stretch the very first
    // frame's duration slightly to line up with audio, so compare the spacing).
    const keyframes = fragments.filter((f) => f.keyframe).map((f) => f.startMs);
    expect(keyframes).toHaveLength(3);
    expect(keyframes[0]).toBe(0);
    expect(keyframes[2]! - keyframes[1]!).toBeCloseTo(1000, 6);
    for (let index = 1; index < fragments.length; index += 1) {
      const previous = fragments[index - 1]!;
      expect(fragments[index]!.startMs).toBeCloseTo(previous.startMs + previous.durationMs, 6);
    }
    const total = init[0]!.data.length + fragments.reduce((sum, f) => sum + f.data.length, 0);
    // Everything but the trailing `mfra` index (its size is the file's last four bytes) is init or fragment.
    expect(total).toBe(sample.length - sample.readUInt32BE(sample.length - 4));
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const whole = read([sample]).fragments.map((f) => [f.startMs, f.keyframe, f.data.length]);
    for (const size of [1, 7, 4096, 65536]) {
      const chunks: Buffer[] = [];
      for (let offset = 0; offset < sample.length; offset += size)
        chunks.push(sample.subarray(offset, offset + size));
      expect(read(chunks).fragments.map((f) => [f.startMs, f.keyframe, f.data.length])).toEqual(whole);
    }
  });

  it('with reuseBuffer, hands out fragments in its own reused memory whose data copies stay intact', () => {
    const expected = read([sample]).fragments.map((f) => f.data);
    const seen: Buffer[] = [];
    const views = new Set<ArrayBufferLike>();
    const reader = new Fmp4Reader(
      {
        onInit: () => undefined,
        onFragment: (f) => {
          expect(f.parts).toHaveLength(1);
          views.add(f.parts[0]!.buffer);
          // Only valid now: compare the transient bytes at once, keep the copy.
          expect(Buffer.concat(f.parts).equals(expected[seen.length]!)).toBe(true);
          seen.push(f.data);
        },
      },
      { reuseBuffer: true },
    );
    // The caller reuses its chunk too, as the socket reader does.
    const chunk = Buffer.alloc(3000);
    for (let offset = 0; offset < sample.length; offset += chunk.length) {
      const length = sample.copy(chunk, 0, offset, offset + chunk.length);
      reader.push(chunk.subarray(0, length));
      chunk.fill(0xee);
    }
    expect(seen.map((data) => data.equals(expected[seen.indexOf(data)]!))).not.toContain(false);
    expect(seen).toHaveLength(expected.length);
    // One buffer, grown at most a few times, not one per fragment.
    expect(views.size).toBeLessThanOrEqual(3);
  });

  it('reads straight into its buffer, moving and growing it, and keeps the GOP for a new viewer', () => {
    const expected = read([sample]).fragments;
    const seen: { data: Buffer; keyframe: boolean; gop: Buffer[] }[] = [];
    const reader: Fmp4Reader = new Fmp4Reader(
      {
        onInit: () => undefined,
        onFragment: (f) => seen.push({ data: f.data, keyframe: f.keyframe, gop: reader.currentGop() }),
      },
      { reuseBuffer: true, keepGop: true, initialBufferBytes: 4096 },
    );
    // Reads of odd sizes land in the free space the reader offers, as the socket reader does.
    let offset = 0;
    let step = 0;
    while (offset < sample.length) {
      const target = reader.readBuffer();
      expect(target.length).toBeGreaterThanOrEqual(64 * 1024);
      step += 1;
      const size = Math.min(target.length, 1 + ((step * 7919) % 20_000));
      const copied = sample.copy(target, 0, offset, offset + size);
      offset += copied;
      reader.written(copied);
    }
    // Buffer.equals, not toEqual: vitest's deep equality walks every byte and takes seconds on a busy machine.
    expect(seen).toHaveLength(expected.length);
    expect(seen.every((entry, index) => entry.data.equals(expected[index]!.data))).toBe(true);
    // After each fragment the kept GOP is every fragment since the last keyframe, this one included.
    let since: Buffer[] = [];
    for (const entry of seen) {
      since = entry.keyframe ? [entry.data] : [...since, entry.data];
      expect(entry.gop.length).toBe(since.length);
      expect(entry.gop.every((part, index) => part.equals(since[index]!))).toBe(true);
    }
  });

  it('refuses a box larger than any real fragment', () => {
    const reader = new Fmp4Reader({ onInit: () => undefined, onFragment: () => undefined });
    const header = Buffer.alloc(8);
    header.writeUInt32BE(0x7fffffff, 0);
    header.write('mdat', 4, 'latin1');
    expect(() => reader.push(header)).toThrow(/too large/);
  });
});
