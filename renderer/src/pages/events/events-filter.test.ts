import { describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../../../common/contract/index.js';
import {
  DEFAULT_FILTER,
  listInputOf,
  matchesFilter,
  mergeEvent,
  playbackHref,
  snapshotUrl,
} from './events-filter.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const event = (patch: Partial<DetectionEvent> = {}): DetectionEvent => ({
  id: 1,
  cameraId: 'cam-0000000001',
  label: 'person',
  startTime: NOW - 60_000,
  endTime: NOW - 50_000,
  bestTime: NOW - 55_000,
  score: 0.8,
  box: { x: 0.1, y: 0.1, width: 0.2, height: 0.5 },
  zones: ['porch'],
  hasSnapshot: true,
  locked: false,
  ...patch,
});

describe('events filter', () => {
  it('turns the form into an events.list argument', () => {
    expect(listInputOf(DEFAULT_FILTER, NOW)).toEqual({ limit: 100, from: NOW - 86_400_000 });
    expect(
      listInputOf(
        { cameraId: 'cam-0000000001', label: 'car', zone: ' porch ', range: 'all', minScore: 0.75 },
        NOW,
      ),
    ).toEqual({ limit: 100, cameraIds: ['cam-0000000001'], labels: ['car'], zone: 'porch', minScore: 0.75 });
  });

  it('says whether a pushed event belongs in the list', () => {
    expect(matchesFilter(event(), DEFAULT_FILTER, NOW)).toBe(true);
    expect(matchesFilter(event(), { ...DEFAULT_FILTER, label: 'car' }, NOW)).toBe(false);
    expect(matchesFilter(event(), { ...DEFAULT_FILTER, zone: 'street' }, NOW)).toBe(false);
    expect(matchesFilter(event(), { ...DEFAULT_FILTER, minScore: 0.9 }, NOW)).toBe(false);
    expect(matchesFilter(event(), { ...DEFAULT_FILTER, cameraId: 'cam-0000000002' }, NOW)).toBe(false);
    expect(
      matchesFilter(event({ endTime: NOW - 2 * 3_600_000 }), { ...DEFAULT_FILTER, range: 'hour' }, NOW),
    ).toBe(false);
    expect(
      matchesFilter(event({ endTime: null, startTime: 0 }), { ...DEFAULT_FILTER, range: 'hour' }, NOW),
    ).toBe(true);
  });

  it('merges pushes newest first and replaces by id', () => {
    const older = event({ id: 1, startTime: 10 });
    const newer = event({ id: 2, startTime: 20 });
    expect(mergeEvent([older], newer).map((entry) => entry.id)).toEqual([2, 1]);
    expect(mergeEvent([newer, older], { ...older, score: 0.95 })[1]?.score).toBe(0.95);
  });

  it('plays from the pre-roll before the start and fetches a better snapshot again', () => {
    expect(playbackHref({ cameraId: 'cam-0000000001', startTime: 60_000 })).toBe(
      '#/playback?camera=cam-0000000001&at=55000',
    );
    expect(playbackHref({ cameraId: 'cam-0000000001', startTime: 1_000 })).toBe(
      '#/playback?camera=cam-0000000001&at=0',
    );
    expect(snapshotUrl({ id: 7, bestTime: 123 }, 'thumbnail')).toBe('api/events/7/thumbnail.jpg?v=123');
  });
});
