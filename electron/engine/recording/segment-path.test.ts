import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSegmentPath, segmentRelativePath, toAbsolute } from './segment-path.js';

const CAMERA = 'cam-0123456789';

describe('segmentRelativePath', () => {
  const savedTz = process.env.TZ;

  // A local zone with daylight saving time: names must follow UTC whatever the machine's zone says.
  beforeAll(() => {
    process.env.TZ = 'America/New_York';
  });

  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('names by UTC day, hour, minute and second', () => {
    expect(segmentRelativePath(CAMERA, Date.UTC(2026, 0, 5, 7, 3, 9, 999))).toBe(
      `${CAMERA}/2026-01-05/07/03-09.mp4`,
    );
  });

  it('moves to the next day folder at UTC midnight, not local midnight', () => {
    const midnight = Date.UTC(2026, 0, 1);
    expect(segmentRelativePath(CAMERA, midnight - 1)).toBe(`${CAMERA}/2025-12-31/23/59-59.mp4`);
    expect(segmentRelativePath(CAMERA, midnight)).toBe(`${CAMERA}/2026-01-01/00/00-00.mp4`);
    // Local midnight in New York is 05:00 UTC: nothing changes there.
    expect(segmentRelativePath(CAMERA, Date.UTC(2026, 0, 1, 5))).toBe(`${CAMERA}/2026-01-01/05/00-00.mp4`);
  });

  it('does not shift or repeat hours across daylight saving changes', () => {
    // 2026-03-08 07:00 UTC: New York jumps from 02:00 EST to 03:00 EDT.
    const springForward = Date.UTC(2026, 2, 8, 7);
    expect(new Date(springForward - 1).getHours()).toBe(1);
    expect(new Date(springForward).getHours()).toBe(3);
    expect(segmentRelativePath(CAMERA, springForward - 1000)).toBe(`${CAMERA}/2026-03-08/06/59-59.mp4`);
    expect(segmentRelativePath(CAMERA, springForward)).toBe(`${CAMERA}/2026-03-08/07/00-00.mp4`);
    // 2026-11-01 06:00 UTC: New York repeats 01:00-02:00 local; the UTC names stay distinct.
    const fallBack = Date.UTC(2026, 10, 1, 6);
    expect(new Date(fallBack - 3_600_000).getHours()).toBe(new Date(fallBack).getHours());
    expect(segmentRelativePath(CAMERA, fallBack - 3_600_000)).toBe(`${CAMERA}/2026-11-01/05/00-00.mp4`);
    expect(segmentRelativePath(CAMERA, fallBack)).toBe(`${CAMERA}/2026-11-01/06/00-00.mp4`);
  });

  it('adds _N for a taken name', () => {
    const start = Date.UTC(2026, 5, 1, 12, 30, 15, 400);
    expect(segmentRelativePath(CAMERA, start, 0)).toBe(`${CAMERA}/2026-06-01/12/30-15.mp4`);
    expect(segmentRelativePath(CAMERA, start, 1)).toBe(`${CAMERA}/2026-06-01/12/30-15_1.mp4`);
    expect(segmentRelativePath(CAMERA, start, 12)).toBe(`${CAMERA}/2026-06-01/12/30-15_12.mp4`);
  });
});

describe('parseSegmentPath', () => {
  it('reads back the camera and the start second of every name it makes', () => {
    for (const start of [
      Date.UTC(2026, 0, 1),
      Date.UTC(2025, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 2, 8, 7, 0, 0, 1),
      Date.UTC(2028, 1, 29, 13, 7, 42, 500),
    ]) {
      for (const attempt of [0, 1, 7]) {
        expect(parseSegmentPath(segmentRelativePath(CAMERA, start, attempt))).toEqual({
          cameraId: CAMERA,
          startMs: Math.floor(start / 1000) * 1000,
        });
      }
    }
  });

  it.each([
    '../x',
    `../${CAMERA}/2026-01-01/00/00-00.mp4`,
    `${CAMERA}/../2026-01-01/00/00-00.mp4`,
    `/${CAMERA}/2026-01-01/00/00-00.mp4`,
    `.quarantine/${CAMERA}/2026-01-01/00/00-00.mp4`,
    `${CAMERA}/2026-01-01/00/00-00.mp4.part`,
    `${CAMERA}/2026-01-01/00/00-00.MP4`,
    `${CAMERA}/2026-01-01/00/notes.mp4`,
    `${CAMERA}/2026-01-01/00-00.mp4`,
    `${CAMERA}/2026-1-1/00/00-00.mp4`,
    `${CAMERA}/2026-01-01/00/00-00_.mp4`,
    'cam-ABCDEF0123/2026-01-01/00/00-00.mp4',
    'cam-012345678/2026-01-01/00/00-00.mp4',
    'front-door/2026-01-01/00/00-00.mp4',
    // Shaped right but not a real time: a name we never write.
    `${CAMERA}/2026-13-01/00/00-00.mp4`,
    `${CAMERA}/2026-02-30/00/00-00.mp4`,
    `${CAMERA}/2026-01-01/24/00-00.mp4`,
    `${CAMERA}/2026-01-01/00/60-00.mp4`,
    `${CAMERA}/2026-01-01/00/00-60.mp4`,
  ])('rejects %s', (relative) => {
    expect(parseSegmentPath(relative)).toBeNull();
  });
});

describe('toAbsolute', () => {
  it('joins a forward-slash relative path under the root with the platform separator', () => {
    expect(toAbsolute('/data/recordings', `${CAMERA}/2026-01-01/00/00-00.mp4`)).toBe(
      path.join('/data/recordings', CAMERA, '2026-01-01', '00', '00-00.mp4'),
    );
  });
});
