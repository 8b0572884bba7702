/**
 * A machine-readable wall-clock time code burnt into video frames, so a test can tell which moment of the
 * source a displayed frame shows (playback seeks) and how old it is (glass-to-glass live latency).
 *
 * Format, version 1. The frame is divided into a grid of 16 columns x 9 rows of cells (40 x 40 px at 640x360,
 * 120 x 120 px at 1920x1080; any size works, cells simply scale with the frame). Cells are solid white (1) or
 * black (0). Only the top 5 rows carry the code; the bottom 4 rows are free (the clock camera writes the
 * time there in digits for people).
 *
 * - Row 0, the marker: white, black, white, black, ... (16 cells, starting white on the left). It tells a
 *   coded frame from any other picture and gives the decoder its black and white levels.
 * - Rows 1 to 4, 64 data cells read left to right, top to bottom, most significant bit first: bits 0-47 are
 *   the time in milliseconds since the Unix epoch (UTC), bits 48-63 a CRC-16/CCITT-FALSE (polynomial 0x1021,
 *   initial value 0xFFFF) over those 48 bits as 6 big-endian bytes.
 *
 * Decoding averages the central half of each cell (robust to scaling, chroma subsampling and compression
 * noise at cell edges), takes the threshold halfway between the marker's black and white levels, and answers
 * null rather than a wrong time when the marker is missing, the contrast is under 64 levels, any cell is
 * within a quarter of the contrast of the threshold, or the CRC does not match.
 *
 * Pure ECMAScript (no DOM, no Node): `timecodeCodec` is self-contained (it uses nothing from outside its own
 * body), so timecode-browser.ts ships its source text into a page and runs the same decoder there.
 */

/** Pixels to decode: 1 (gray), 3 (RGB) or 4 (RGBA, as a canvas's getImageData gives) bytes per pixel. */
export interface TimecodePixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** A gray (1 byte per pixel) frame the encoder draws into. */
export interface GrayFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface TimecodeCodec {
  /** Grid size of the format; the code uses rows 0 to `codeRows - 1`. */
  readonly columns: number;
  readonly rows: number;
  readonly codeRows: number;
  /** The code's cells, row-major over the top `codeRows` rows: 1 white, 0 black. */
  cells(timeMs: number): number[];
  /** The time in a frame, or null when the frame carries no readable code. */
  decode(pixels: TimecodePixels): number | null;
}

/**
 * The format's encoder and decoder. Self-contained on purpose: keep every constant and helper inside this
 * function, because its source text is evaluated in browser pages.
 */
export function timecodeCodec(): TimecodeCodec {
  const columns = 16;
  const rows = 9;
  const markerRow = 0;
  const dataCells = 64;
  const timeBits = 48;
  const codeRows = 1 + dataCells / columns;
  const minimumContrast = 64;

  function crc16(bytes: number[]): number {
    let crc = 0xffff;
    for (const byte of bytes) {
      crc ^= byte << 8;
      for (let bit = 0; bit < 8; bit++)
        crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }

  function timeBytes(timeMs: number): number[] {
    const bytes: number[] = [];
    for (let index = 5; index >= 0; index--) bytes.push(Math.floor(timeMs / 2 ** (8 * index)) % 256);
    return bytes;
  }

  function cells(timeMs: number): number[] {
    if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs >= 2 ** timeBits) {
      throw new RangeError(`time code needs a whole number of ms in [0, 2^48), got ${timeMs}`);
    }
    const marker = Array.from({ length: columns }, (_, column) => (column % 2 === 0 ? 1 : 0));
    const bits: number[] = [];
    for (let bit = timeBits - 1; bit >= 0; bit--) bits.push(Math.floor(timeMs / 2 ** bit) % 2);
    const crc = crc16(timeBytes(timeMs));
    for (let bit = 15; bit >= 0; bit--) bits.push((crc >> bit) & 1);
    return [...marker, ...bits];
  }

  /** Mean luma of the central half of cell (column, row). */
  function cellLevel(pixels: TimecodePixels, column: number, row: number): number {
    const { data, width, height, channels } = pixels;
    const cellWidth = width / columns;
    const cellHeight = height / rows;
    const x0 = column * cellWidth + cellWidth / 4;
    const y0 = row * cellHeight + cellHeight / 4;
    // At most 6 x 6 samples per cell: enough to average out noise, cheap at any frame size.
    const stepsX = Math.max(1, Math.min(6, Math.floor(cellWidth / 2)));
    const stepsY = Math.max(1, Math.min(6, Math.floor(cellHeight / 2)));
    let sum = 0;
    for (let sy = 0; sy < stepsY; sy++) {
      const y = Math.min(height - 1, Math.floor(y0 + ((sy + 0.5) * cellHeight) / 2 / stepsY));
      for (let sx = 0; sx < stepsX; sx++) {
        const x = Math.min(width - 1, Math.floor(x0 + ((sx + 0.5) * cellWidth) / 2 / stepsX));
        const offset = (y * width + x) * channels;
        sum +=
          channels === 1
            ? (data[offset] ?? 0)
            : 0.299 * (data[offset] ?? 0) + 0.587 * (data[offset + 1] ?? 0) + 0.114 * (data[offset + 2] ?? 0);
      }
    }
    return sum / (stepsX * stepsY);
  }

  function decode(pixels: TimecodePixels): number | null {
    const { width, height, channels } = pixels;
    if (width < columns || height < rows || pixels.data.length < width * height * channels) return null;
    const marker: number[] = [];
    for (let column = 0; column < columns; column++) marker.push(cellLevel(pixels, column, markerRow));
    const whites = marker.filter((_, column) => column % 2 === 0);
    const blacks = marker.filter((_, column) => column % 2 === 1);
    const white = whites.reduce((sum, level) => sum + level, 0) / whites.length;
    const black = blacks.reduce((sum, level) => sum + level, 0) / blacks.length;
    const contrast = white - black;
    if (contrast < minimumContrast) return null;
    const threshold = (white + black) / 2;
    const margin = contrast / 4;
    const bitOf = (level: number): number | null =>
      level > threshold + margin ? 1 : level < threshold - margin ? 0 : null;
    for (let column = 0; column < columns; column++) {
      if (bitOf(marker[column] ?? 0) !== (column % 2 === 0 ? 1 : 0)) return null;
    }
    const bits: number[] = [];
    for (let index = 0; index < dataCells; index++) {
      const bit = bitOf(cellLevel(pixels, index % columns, markerRow + 1 + Math.floor(index / columns)));
      if (bit === null) return null;
      bits.push(bit);
    }
    let timeMs = 0;
    for (let index = 0; index < timeBits; index++) timeMs = timeMs * 2 + (bits[index] ?? 0);
    let crc = 0;
    for (let index = timeBits; index < dataCells; index++) crc = crc * 2 + (bits[index] ?? 0);
    return crc16(timeBytes(timeMs)) === crc ? timeMs : null;
  }

  return { columns, rows, codeRows, cells, decode };
}

const codec = timecodeCodec();

/** The time in a frame (ms since the epoch), or null when it carries no readable time code. */
export function decodeTimecode(pixels: TimecodePixels): number | null {
  return codec.decode(pixels);
}

/** Cell `index` of `count` along a side of `length` px: its first pixel and the one after its last. */
function cellSpan(index: number, count: number, length: number): [number, number] {
  return [Math.round((index * length) / count), Math.round(((index + 1) * length) / count)];
}

/** Draws the time code of `timeMs` into the top 5 of the 9 cell rows of a gray frame (255 white, 0 black). */
export function drawTimecode(frame: GrayFrame, timeMs: number): void {
  const { data, width, height } = frame;
  if (data.length < width * height) throw new RangeError(`frame data is short of ${width}x${height}`);
  codec.cells(timeMs).forEach((bit, index) => {
    const [x0, x1] = cellSpan(index % codec.columns, codec.columns, width);
    const [y0, y1] = cellSpan(Math.floor(index / codec.columns), codec.rows, height);
    const level = bit === 1 ? 255 : 0;
    for (let y = y0; y < y1; y++) data.fill(level, y * width + x0, y * width + x1);
  });
}

/** The part of the frame below the code (rows 5 to 8 of 9): free for a human-readable clock. */
export function freeArea(width: number, height: number): { y0: number; y1: number } {
  return { y0: cellSpan(codec.codeRows, codec.rows, height)[0], y1: height };
}
