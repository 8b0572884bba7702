/**
 * Real photographs for the detector's tests and `bench:detect`: the sample images of Debian's python3-skimage
 * (BSD licence; `apt-get install python3-skimage`), decoded to packed RGB by FFmpeg (no image library needed).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SKIMAGE_DATA_DIR = '/usr/lib/python3/dist-packages/skimage/data';

export interface RgbPhoto {
  name: string;
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Whether the skimage photos are installed. */
export function skimagePhotosAvailable(dir = SKIMAGE_DATA_DIR): boolean {
  return fs.existsSync(path.join(dir, 'astronaut.png'));
}

/** Decodes one image file to packed RGB with ffmpeg/ffprobe from PATH (or `ffmpeg` given). */
export async function readRgbPhoto(
  file: string,
  tools: { ffmpeg?: string; ffprobe?: string } = {},
): Promise<RgbPhoto> {
  const probe = await run(tools.ffprobe ?? 'ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const [width, height] = probe.stdout.trim().split(',').map(Number);
  if (width === undefined || height === undefined || !(width > 0) || !(height > 0))
    throw new Error(`ffprobe could not size ${file}: ${probe.stdout}`);
  const decoded = await run(
    tools.ffmpeg ?? 'ffmpeg',
    ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: width * height * 3 + 1024 },
  );
  const rgb = new Uint8Array(decoded.stdout.buffer, decoded.stdout.byteOffset, decoded.stdout.byteLength);
  if (rgb.length !== width * height * 3)
    throw new Error(`ffmpeg gave ${rgb.length} bytes for ${file} (${width}x${height})`);
  return { name: path.basename(file), width, height, rgb };
}

/** One skimage photo by file name, e.g. `astronaut.png`. */
export function readSkimagePhoto(name: string, dir = SKIMAGE_DATA_DIR): Promise<RgbPhoto> {
  return readRgbPhoto(path.join(dir, name));
}
