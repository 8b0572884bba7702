import { describe, expect, it } from 'vitest';
import { createLeaseRegistry } from './leases.js';

describe('createLeaseRegistry', () => {
  it('holds a segment until every lease on it is released', () => {
    const leases = createLeaseRegistry();
    const a = leases.acquire([1, 2, 2], 'export a');
    const b = leases.acquire([2, 3], 'playback b');
    expect([1, 2, 3, 4].map((id) => leases.isLeased(id))).toEqual([true, true, true, false]);
    a.release();
    a.release();
    expect([1, 2, 3].map((id) => leases.isLeased(id))).toEqual([false, true, true]);
    b.release();
    expect(leases.size).toBe(0);
  });
});
