import { describe, expect, it } from 'vitest';
import {
  CameraDetectionSettings,
  DetectionSettingsInput,
  Polygon,
  polygonArea,
  polygonSelfIntersects,
} from './detection.js';

const square: [number, number][] = [
  [0.1, 0.1],
  [0.5, 0.1],
  [0.5, 0.5],
  [0.1, 0.5],
];

describe('detection settings contract', () => {
  it('measures polygons and finds the ones that cross themselves', () => {
    expect(polygonArea(square)).toBeCloseTo(0.16, 10);
    expect(polygonSelfIntersects(square)).toBe(false);
    // A bow tie: the second and fourth edges cross.
    const bowTie: [number, number][] = [
      [0.1, 0.1],
      [0.5, 0.5],
      [0.5, 0.1],
      [0.1, 0.5],
    ];
    expect(polygonSelfIntersects(bowTie)).toBe(true);
    // A concave L is fine.
    const ell: [number, number][] = [
      [0, 0],
      [0.4, 0],
      [0.4, 0.1],
      [0.1, 0.1],
      [0.1, 0.4],
      [0, 0.4],
    ];
    expect(polygonSelfIntersects(ell)).toBe(false);
  });

  it('refuses polygons with too few points, no area, crossing edges or points off the frame', () => {
    expect(Polygon.safeParse(square).success).toBe(true);
    const message = (value: unknown) => Polygon.safeParse(value).error?.issues[0]?.message;
    expect(message(square.slice(0, 2))).toBe('a polygon needs at least 3 points');
    expect(
      message([
        [0.1, 0.1],
        [0.2, 0.2],
        [0.3, 0.3],
      ]),
    ).toBe('the polygon has no area (its points are in a line)');
    expect(
      message([
        [0.1, 0.1],
        [0.5, 0.5],
        [0.5, 0.1],
        [0.1, 0.5],
      ]),
    ).toBe('the polygon crosses itself');
    expect(Polygon.safeParse([[1.2, 0], ...square.slice(1)]).success).toBe(false);
    expect(Polygon.safeParse(Array.from({ length: 65 }, (_, i) => [i / 100, (i * i) / 10_000])).success).toBe(
      false,
    );
  });

  it('fills a camera entry with its defaults and refuses a zone named twice or a control character', () => {
    expect(CameraDetectionSettings.parse({})).toEqual({
      motion: null,
      objects: null,
      sensitivity: 50,
      masks: [],
      zones: [],
    });
    const twice = CameraDetectionSettings.safeParse({
      zones: [
        { name: 'Drive', polygon: square },
        { name: 'drive', polygon: square, alert: true },
      ],
    });
    expect(twice.error?.issues[0]).toMatchObject({
      path: ['zones', 1, 'name'],
      message: 'zone "drive" is named twice',
    });
    expect(
      CameraDetectionSettings.safeParse({ zones: [{ name: 'a\u0007b', polygon: square }] }).success,
    ).toBe(false);
    expect(CameraDetectionSettings.safeParse({ sensitivity: 101 }).success).toBe(false);
    expect(CameraDetectionSettings.safeParse({ extra: 1 }).success).toBe(false);
  });

  it('checks the global fields: even widths, known labels, sane areas', () => {
    expect(DetectionSettingsInput.safeParse({ width: 641 }).success).toBe(false);
    expect(DetectionSettingsInput.safeParse({ width: 640, fps: 5 }).success).toBe(true);
    expect(DetectionSettingsInput.safeParse({ labels: { unicorn: { minScore: 0.5 } } }).success).toBe(false);
    expect(DetectionSettingsInput.safeParse({ labels: {} }).success).toBe(false);
    expect(
      DetectionSettingsInput.safeParse({ labels: { person: { minScore: 0.5, minArea: 0.5, maxArea: 0.1 } } })
        .success,
    ).toBe(false);
    expect(DetectionSettingsInput.safeParse({ cameras: { '../x': {} } }).success).toBe(false);
    expect(DetectionSettingsInput.safeParse({ __proto__: { motion: true } }).success).toBe(true);
  });
});
