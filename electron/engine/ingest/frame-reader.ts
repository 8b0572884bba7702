/**
 * Reads FFmpeg's decoded frames for detection: a stream of binary PGM (`P5`, gray) or PPM (`P6`, RGB)
 * images, each with its own width and height in a short text header.
 */

export interface DecodedFrame {
  width: number;
  height: number;
  /** 1 for gray, 3 for RGB. */
  channels: 1 | 3;
  /** width × height × channels bytes, row by row. */
  pixels: Buffer;
}

/** Largest frame accepted (4K RGB); anything bigger means the stream is not what we asked for. */
const MAX_FRAME_BYTES = 3840 * 2160 * 3;
const HEADER = /^P([56])\s+(\d+)\s+(\d+)\s+(\d+)\s/;

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: DecodedFrame) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 16) return;
      const head = this.buffer.toString('latin1', 0, Math.min(32, this.buffer.length));
      const match = HEADER.exec(head);
      if (match === null) {
        if (this.buffer.length >= 32 || !/^P[56]?[\s\d]*$/.test(head)) {
          throw new Error('Frame stream is not PGM/PPM');
        }
        return;
      }
      const channels = match[1] === '5' ? 1 : 3;
      const width = Number(match[2]);
      const height = Number(match[3]);
      if (Number(match[4]) !== 255) throw new Error('Frame stream uses more than 8 bits per sample');
      const size = width * height * channels;
      if (size <= 0 || size > MAX_FRAME_BYTES) throw new Error(`Frame of ${width}x${height} is out of range`);
      const start = match[0].length;
      if (this.buffer.length < start + size) return;
      // A copy: the consumer (a detection worker) may keep the frame after the next chunk arrives.
      const pixels = Buffer.from(this.buffer.subarray(start, start + size));
      this.buffer = this.buffer.subarray(start + size);
      this.onFrame({ width, height, channels, pixels });
    }
  }
}
