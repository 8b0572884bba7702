import { describe, expect, it } from 'vitest';
import { GAP_MIN_MS, planExport, type PlanSegment } from './export-plan.js';

const T = Date.UTC(2026, 3, 1, 12);
let nextId = 1;
function segment(start: number, end: number): PlanSegment {
  const id = nextId++;
  return { id, filePath: `cam-0123456789/x/${id}.mp4`, startTime: T + start, endTime: T + end };
}

describe('planExport', () => {
  it('trims the first and last segment to the range and lists the gap between runs', () => {
    const rows = [
      segment(0, 10_000),
      segment(10_000, 20_000),
      segment(35_000, 45_000),
      segment(45_000, 55_000),
    ];
    const plan = planExport(rows, T + 4000, T + 50_000);
    expect(plan.pieces.map((piece) => [piece.from - T, piece.to - T])).toEqual([
      [4000, 10_000],
      [10_000, 20_000],
      [35_000, 45_000],
      [45_000, 50_000],
    ]);
    expect(plan.gaps).toEqual([{ start: T + 20_000, end: T + 35_000 }]);
    expect(plan.recordedMs).toBe(6000 + 10_000 + 10_000 + 5000);
  });

  it('lists missing footage at both ends of the range as gaps', () => {
    const plan = planExport([segment(10_000, 20_000)], T, T + 30_000);
    expect(plan.gaps).toEqual([
      { start: T, end: T + 10_000 },
      { start: T + 20_000, end: T + 30_000 },
    ]);
    expect(plan.recordedMs).toBe(10_000);
  });

  it('takes only the new part of an overlapping segment, and nothing of one already covered', () => {
    const plan = planExport([segment(0, 10_000), segment(8000, 14_000), segment(2000, 6000)], T, T + 14_000);
    expect(plan.pieces.map((piece) => [piece.from - T, piece.to - T])).toEqual([
      [0, 10_000],
      [10_000, 14_000],
    ]);
    expect(plan.gaps).toEqual([]);
  });

  it(`does not list holes shorter than ${GAP_MIN_MS} ms, and skips empty rows`, () => {
    const plan = planExport(
      [segment(0, 10_000), segment(10_100, 20_000), segment(20_000, 20_000)],
      T,
      T + 20_000,
    );
    expect(plan.gaps).toEqual([]);
    expect(plan.pieces).toHaveLength(2);
    expect(plan.recordedMs).toBe(19_900);
  });

  it('answers an empty plan for a range without footage, and refuses a reversed range', () => {
    const plan = planExport([segment(0, 10_000)], T + 20_000, T + 30_000);
    expect(plan.pieces).toEqual([]);
    expect(plan.gaps).toEqual([{ start: T + 20_000, end: T + 30_000 }]);
    expect(() => planExport([], T + 5, T + 5)).toThrow(RangeError);
  });
});
