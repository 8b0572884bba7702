import { describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../../common/contract/index.js';
import { cameraSlug, cameraSlugs, FrigateEventTracker, toFrigateEvent } from './frigate-format.js';
import { desktopNotice } from './notification-service.js';

const EVENT: DetectionEvent = {
  id: 12,
  cameraId: 'cam-00000000aa',
  label: 'car',
  startTime: 1_700_000_000_250,
  endTime: null,
  bestTime: 1_700_000_001_000,
  score: 0.912345,
  box: { x: 0.5, y: 0.25, width: 0.6, height: 0.5 },
  zones: ['drive'],
  hasSnapshot: false,
  locked: false,
};

describe('Frigate-style messages', () => {
  it('makes topic-safe camera names, falling back to the id and keeping them unique', () => {
    expect(cameraSlug('Front Door', 'cam-1')).toBe('front_door');
    expect(cameraSlug('Café — Entrée #2', 'cam-1')).toBe('cafe_entree_2');
    expect(cameraSlug('门口', 'cam-00000000aa')).toBe('cam_00000000aa');
    expect(cameraSlug('a/b+#c', 'cam-1')).toBe('a_b_c');
    const slugs = cameraSlugs([
      { id: 'cam-00000000aa', name: 'Yard' },
      { id: 'cam-00000000bb', name: 'yard!' },
      { id: 'cam-00000000cc', name: 'Gate' },
    ]);
    expect([...slugs.values()]).toEqual(['yard_cam_00000000aa', 'yard_cam_00000000bb', 'gate']);
  });

  it('uses seconds, clamps the box to the frame and keeps the zones entered', () => {
    const event = toFrigateEvent(EVENT, 'drive', ['street', 'drive']);
    expect(event).toMatchObject({
      id: '12',
      camera: 'drive',
      label: 'car',
      score: 0.9123,
      top_score: 0.9123,
      start_time: 1_700_000_000.25,
      end_time: null,
      frame_time: 1_700_000_001,
      box: [0.5, 0.25, 1, 0.75],
      current_zones: ['drive'],
      entered_zones: ['street', 'drive'],
      has_snapshot: false,
    });
  });

  it('carries the previous state as before, accumulates zones and forgets ended events', () => {
    const tracker = new FrigateEventTracker();
    const created = tracker.message('new', EVENT, 'drive');
    expect(created.before).toEqual(created.after);
    const updated = tracker.message('update', { ...EVENT, zones: ['porch'], score: 0.95 }, 'drive');
    expect(updated.before.score).toBe(0.9123);
    expect(updated.after.entered_zones).toEqual(['drive', 'porch']);
    const ended = tracker.message('end', { ...EVENT, zones: [], endTime: 1_700_000_009_000 }, 'drive');
    expect(ended.before.current_zones).toEqual(['porch']);
    expect(ended.after).toMatchObject({ end_time: 1_700_000_009, current_zones: [] });
    expect(ended.after.entered_zones).toEqual(['drive', 'porch']);
    expect(tracker.size).toBe(0);
  });

  it('words a desktop notice from the label, camera, score and zones', () => {
    const notice = desktopNotice(EVENT, 'Driveway');
    expect(notice.title).toBe('Car at Driveway');
    expect(notice.body).toMatch(/^91% · .+ · drive$/);
    expect(notice).toMatchObject({ eventId: 12, cameraId: 'cam-00000000aa' });
  });
});
