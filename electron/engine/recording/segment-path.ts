/**
 * Segment file names come from the camera id and the UTC start time, never from user strings:
 * `<cameraId>/<YYYY-MM-DD>/<HH>/<MM-SS>.mp4`, relative to the recordings root.
 */
import path from 'node:path';

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** The relative path for a segment starting at `startMs`; `attempt` > 0 adds `_N` when the name is taken. */
export function segmentRelativePath(cameraId: string, startMs: number, attempt = 0): string {
  const date = new Date(startMs);
  const day = `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  const name = `${two(date.getUTCMinutes())}-${two(date.getUTCSeconds())}${attempt > 0 ? `_${attempt}` : ''}.mp4`;
  // Forward slashes in the DB on every platform, so an index moves between machines.
  return [cameraId, day, two(date.getUTCHours()), name].join('/');
}

const SEGMENT_PATTERN =
  /^(cam-[0-9a-f]{10})\/(\d{4})-(\d{2})-(\d{2})\/(\d{2})\/(\d{2})-(\d{2})(?:_\d+)?\.mp4$/;

/** Reads the camera id and the start second back from a relative segment path; null for anything else. */
export function parseSegmentPath(relative: string): { cameraId: string; startMs: number } | null {
  const normalised = relative.split(path.sep).join('/');
  const match = SEGMENT_PATTERN.exec(normalised);
  if (match === null) return null;
  const [, cameraId, year, month, day, hour, minute, second] = match;
  const startMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(startMs) || cameraId === undefined) return null;
  // Date.UTC rolls an impossible time (2026-02-30, minute 60) over into a real one; we never write such names.
  if (segmentRelativePath(cameraId, startMs) !== normalised.replace(/_\d+\.mp4$/, '.mp4')) return null;
  return { cameraId, startMs };
}

export function toAbsolute(root: string, relative: string): string {
  return path.join(root, ...relative.split('/'));
}
