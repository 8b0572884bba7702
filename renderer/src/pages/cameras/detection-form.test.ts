import { describe, expect, it } from 'vitest';
import type { DetectionSettings } from '../../../../common/contract/index.js';
import {
  addPoint,
  effective,
  errorsOf,
  finish,
  finishProblem,
  formOf,
  inputOf,
  nextZoneName,
  pointAt,
  type Drawing,
} from './detection-form.js';

const ID = 'cam-00000000a1';
const settings: DetectionSettings = {
  motion: false,
  objects: true,
  fps: 5,
  width: 640,
  labels: { person: { minScore: 0.5, minArea: 0.0005, maxArea: 0.9 } },
  minHits: 3,
  endAfterSeconds: 5,
  cameras: {
    [ID]: {
      motion: true,
      objects: null,
      sensitivity: 60,
      masks: [],
      zones: [
        {
          name: 'Zone 1',
          polygon: [
            [0, 0],
            [0.5, 0],
            [0.5, 0.5],
          ],
          alert: true,
        },
      ],
    },
  },
};

describe('detection form', () => {
  it('reads the camera, says what is in effect, and writes the same back', () => {
    const form = formOf(settings, ID);
    expect(form).toMatchObject({ motion: 'on', objects: 'inherit', sensitivity: 60 });
    expect(effective(form, settings)).toEqual({ motion: true, objects: true });
    expect(effective({ ...form, motion: 'inherit' }, settings)).toEqual({ motion: false, objects: false });
    expect(inputOf(form)).toEqual({ ...settings.cameras[ID], motion: true, objects: null });
    // A camera with no entry gets the defaults.
    expect(formOf(settings, 'cam-00000000b2')).toMatchObject({
      motion: 'inherit',
      sensitivity: 50,
      zones: [],
    });
  });

  it('turns clicks into corners, refuses a crossing or flat shape, and names zones in turn', () => {
    const box = { left: 100, top: 50, width: 400, height: 200 };
    expect(pointAt(box, 300, 150)).toEqual([0.5, 0.5]);
    expect(pointAt(box, 0, 999)).toEqual([0, 1]);
    let drawing: Drawing = { kind: 'zone', points: [] };
    expect(finishProblem(drawing)).toBe('Click at least three corners on the picture');
    for (const point of [
      [0.1, 0.1],
      [0.5, 0.5],
      [0.5, 0.1],
      [0.1, 0.5],
    ] as [number, number][])
      drawing = addPoint(drawing, point);
    expect(finishProblem(drawing)).toMatch(/edges cross/);
    drawing = { kind: 'zone', points: drawing.points.slice(0, 3) };
    expect(finishProblem(drawing)).toBeNull();
    const form = finish(formOf(settings, ID), drawing);
    expect(form.zones.map((zone) => zone.name)).toEqual(['Zone 1', 'Zone 2']);
    expect(nextZoneName([{ name: 'zone 2' }])).toBe('Zone 1');
    expect(finish(form, { kind: 'mask', points: drawing.points }).masks).toHaveLength(1);
  });

  it("reports the engine's own messages by field", () => {
    const form = formOf(settings, ID);
    expect(errorsOf(form)).toEqual({});
    const zone = form.zones[0]!;
    const twice = { ...form, zones: [zone, { ...zone, key: 99, name: ' zone 1 ' }] };
    expect(errorsOf(twice)).toEqual({ 'zones.1.name': 'zone "zone 1" is named twice' });
    expect(errorsOf({ ...form, zones: [{ ...zone, name: '  ' }] })).toEqual({
      'zones.0.name': 'a zone needs a name',
    });
  });
});
