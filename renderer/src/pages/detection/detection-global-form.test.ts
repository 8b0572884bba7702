import { describe, expect, it } from 'vitest';
import type { DetectionSettings } from '../../../../common/contract/index.js';
import { globalFormOf, globalInputOf, validateGlobal } from './detection-global-form.js';

const SETTINGS: DetectionSettings = {
  motion: true,
  objects: false,
  fps: 5,
  width: 640,
  labels: {
    person: { minScore: 0.6, minArea: 0, maxArea: 1 },
    car: { minScore: 0.7, minArea: 0.01, maxArea: 0.5 },
  },
  minHits: 3,
  endAfterSeconds: 5,
  cameras: {},
};

describe('detection settings shared by all cameras', () => {
  it('shows every label, on where the engine has a filter, scores in percent', () => {
    const form = globalFormOf(SETTINGS);
    expect(form).toMatchObject({ motion: true, objects: false, fps: '5', width: '640', minHits: '3' });
    expect(form.labels.find((row) => row.label === 'car')).toEqual({
      label: 'car',
      on: true,
      minScore: '70',
      minArea: 0.01,
      maxArea: 0.5,
    });
    expect(form.labels.find((row) => row.label === 'dog')).toMatchObject({ on: false, minScore: '60' });
  });

  it('sends the labels that are on with their score and stored areas, and round-trips unchanged', () => {
    const form = globalFormOf(SETTINGS);
    const input = globalInputOf(form);
    expect(input).toEqual({
      motion: true,
      objects: false,
      fps: 5,
      width: 640,
      minHits: 3,
      endAfterSeconds: 5,
      labels: SETTINGS.labels,
    });
    expect(validateGlobal(input)).toEqual({});
    const changed = globalInputOf({
      ...form,
      fps: '2.5',
      labels: form.labels.map((row) =>
        row.label === 'person'
          ? { ...row, on: false }
          : row.label === 'dog'
            ? { ...row, on: true, minScore: '55' }
            : row,
      ),
    });
    expect(changed.fps).toBe(2.5);
    expect(changed.labels).toEqual({
      car: SETTINGS.labels.car,
      dog: { minScore: 0.55, minArea: 0, maxArea: 1 },
    });
  });

  it('refuses what the engine would, beside the field', () => {
    const form = globalFormOf(SETTINGS);
    const errors = validateGlobal(
      globalInputOf({
        ...form,
        fps: 'fast',
        width: '641',
        labels: form.labels.map((row) => (row.label === 'car' ? { ...row, minScore: '150' } : row)),
      }),
    );
    expect(Object.keys(errors).sort()).toEqual(['fps', 'labels.car', 'width']);
    expect(errors['width']).toBe('Width: the width must be even (H.264 frames are)');
    expect(errors['fps']).toBe('Frames per second: must be a number');
    expect(errors['labels.car']).toBe('Minimum score must be a number from 0 to 100 %');
    const none = validateGlobal(
      globalInputOf({ ...form, labels: form.labels.map((row) => ({ ...row, on: false })) }),
    );
    expect(none).toEqual({ labels: 'Labels: at least one label must make events' });
  });
});
