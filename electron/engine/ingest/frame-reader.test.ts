import { describe, expect, it } from 'vitest';
import { FrameReader, type DecodedFrame } from './frame-reader.js';

function pgm(width: number, height: number, value: number): Buffer {
  return Buffer.concat([
    Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1'),
    Buffer.alloc(width * height, value),
  ]);
}

describe('FrameReader', () => {
  it('splits a PGM/PPM stream into frames whatever the chunk boundaries', () => {
    const ppm = Buffer.concat([Buffer.from('P6\n4 2\n255\n', 'latin1'), Buffer.alloc(24, 9)]);
    const stream = Buffer.concat([pgm(8, 6, 1), ppm, pgm(8, 6, 2)]);
    for (const size of [1, 5, 64, stream.length]) {
      const frames: DecodedFrame[] = [];
      const reader = new FrameReader((frame) => frames.push(frame));
      for (let offset = 0; offset < stream.length; offset += size)
        reader.push(stream.subarray(offset, offset + size));
      expect(frames.map((f) => [f.width, f.height, f.channels, f.pixels.length, f.pixels[0]])).toEqual([
        [8, 6, 1, 48, 1],
        [4, 2, 3, 24, 9],
        [8, 6, 1, 48, 2],
      ]);
    }
  });

  it('refuses what is not PGM/PPM, deep samples and absurd sizes', () => {
    const reader = () => new FrameReader(() => undefined);
    expect(() => reader().push(Buffer.from('GIF89a............................'))).toThrow(/not PGM/);
    expect(() => reader().push(Buffer.from('P5\n8 6\n65535\n................'))).toThrow(/8 bits/);
    expect(() => reader().push(Buffer.from('P5\n99999 99999\n255\n.........'))).toThrow(/out of range/);
  });
});
