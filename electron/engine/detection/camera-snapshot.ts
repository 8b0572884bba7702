/**
 * `cameras.snapshot`: a still to draw masks and zones over. The first frame (a keyframe) of the camera's newest
 * indexed segment, decoded by FFmpeg into a JPEG at most 1280 px wide. It opens no RTSP session (the camera may
 * allow only one or two) and reads a file that exists; the segment is leased so retention cannot delete it
 * mid-read. The frame's size is the stream's, scaled; polygons are fractions of it, so any size works.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { ContractError } from '../../../common/contract/errors.js';
import type { CameraSnapshot } from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { segments } from '../db/schema.js';
import type { LeaseRegistry } from '../storage/leases.js';
import type { Logger } from '../ports.js';

const SNAPSHOT_WIDTH_MAX = 1280;
const SNAPSHOT_BYTES_MAX = 4 * 1024 * 1024;
const SNAPSHOT_TIMEOUT_MS = 15_000;

/** The argv that decodes the first frame of `file` into a JPEG on stdout. */
export function snapshotArgs(file: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-i',
    file,
    // Video only, one frame: the segment starts on a keyframe, so this is a whole picture.
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    // Never upscale; keep the aspect ratio; even height for the JPEG encoder's 4:2:0.
    '-vf',
    `scale='min(${SNAPSHOT_WIDTH_MAX},iw)':-2`,
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    '4',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    'pipe:1',
  ];
}

/** Width and height from a JPEG's first start-of-frame marker, or null. */
export function jpegSize(data: Buffer): { width: number; height: number } | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  let offset = 2;
  while (offset + 9 < data.length) {
    if (data[offset] !== 0xff) return null;
    const marker = data.readUInt8(offset + 1);
    const length = data.readUInt16BE(offset + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return null;
}

export interface CameraSnapshotService {
  snapshot(cameraId: string): Promise<CameraSnapshot>;
}

export function createCameraSnapshotService(deps: {
  db: Db;
  recordingsDir: string;
  ffmpegPath: string | null;
  leases: LeaseRegistry;
  logger: Logger;
}): CameraSnapshotService {
  const logger = deps.logger.child({ component: 'snapshot' });
  return {
    async snapshot(cameraId) {
      const ffmpeg = deps.ffmpegPath;
      if (ffmpeg === null)
        throw new ContractError('unavailable', 'FFmpeg is not available to decode a still');
      const segment = deps.db
        .select({ id: segments.id, filePath: segments.filePath, startTime: segments.startTime })
        .from(segments)
        .where(eq(segments.cameraId, cameraId))
        .orderBy(desc(segments.startTime))
        .limit(1)
        .get();
      if (segment === undefined)
        throw new ContractError(
          'not_found',
          'This camera has no recorded footage yet: a still is taken from its newest segment once one is written',
        );
      const lease = deps.leases.acquire([segment.id], 'snapshot');
      try {
        const file = path.join(deps.recordingsDir, segment.filePath);
        const jpeg = await new Promise<Buffer>((resolve, reject) => {
          const child = spawn(ffmpeg, snapshotArgs(file), { stdio: ['ignore', 'pipe', 'pipe'] });
          const chunks: Buffer[] = [];
          let bytes = 0;
          let stderr = '';
          const timer = setTimeout(() => child.kill('SIGKILL'), SNAPSHOT_TIMEOUT_MS);
          child.stdout.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > SNAPSHOT_BYTES_MAX) child.kill('SIGKILL');
            else chunks.push(chunk);
          });
          child.stderr
            .setEncoding('utf8')
            .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
          child.once('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
          child.once('close', (code, signal) => {
            clearTimeout(timer);
            if (code === 0 && bytes > 0 && bytes <= SNAPSHOT_BYTES_MAX) resolve(Buffer.concat(chunks));
            else reject(new Error(`ffmpeg ended with ${signal ?? code}: ${stderr.trim()}`));
          });
        });
        const size = jpegSize(jpeg);
        if (size === null) throw new Error('ffmpeg wrote no JPEG');
        return {
          cameraId,
          time: segment.startTime,
          width: size.width,
          height: size.height,
          image: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        };
      } catch (error) {
        if (error instanceof ContractError) throw error;
        // The path is ours (no credentials); the message says what the user can do.
        logger.warn({ cameraId, err: error }, 'A camera still could not be decoded');
        throw new ContractError(
          'unavailable',
          'The newest recording of this camera could not be decoded into a still; try again in a minute',
        );
      } finally {
        lease.release();
      }
    },
  };
}
