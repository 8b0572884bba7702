import { describe, expect, it } from 'vitest';
import { columns, pageCount, pageItems, parseLayout, snapshotFileName } from './live-layout.js';

describe('live layout', () => {
  it('reads a remembered layout, falling back to 2x2', () => {
    expect(parseLayout('9')).toBe(9);
    expect(parseLayout('5')).toBe(4);
    expect(parseLayout(null)).toBe(4);
    expect([1, 4, 9, 16].map((layout) => columns(layout as 1))).toEqual([1, 2, 3, 4]);
  });

  it('pages cameras through the grid and clamps the page', () => {
    const cameras = Array.from({ length: 10 }, (_, index) => index);
    expect(pageCount(10, 4)).toBe(3);
    expect(pageCount(0, 4)).toBe(1);
    expect(pageItems(cameras, 4, 2)).toEqual({ items: [8, 9], page: 2 });
    expect(pageItems(cameras, 9, 7)).toEqual({ items: [9], page: 1 });
    expect(pageItems(cameras, 16, -1).items).toHaveLength(10);
  });

  it('names a snapshot after the camera and the local time, safely', () => {
    const at = new Date(2026, 10, 25, 9, 5, 7);
    expect(snapshotFileName('Front door', at)).toBe('Front door 2026-11-25 09-05-07.jpg');
    expect(snapshotFileName('../../etc/pa:ss', at)).toBe('.._.._etc_pa_ss 2026-11-25 09-05-07.jpg');
  });
});
