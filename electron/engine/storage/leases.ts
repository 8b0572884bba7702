/**
 * Segment leases: a running playback or export holds a lease on the segments it reads, and retention never
 * deletes a leased segment. In memory only: leases belong to running work, which does not survive a restart.
 */

export interface Lease {
  /** Ends the lease; calling it again does nothing. */
  release(): void;
}

export interface LeaseRegistry {
  /** Leases the given segment ids (by row id) until `release()`; `holder` names the work for diagnostics. */
  acquire(segmentIds: Iterable<number>, holder: string): Lease;
  isLeased(segmentId: number): boolean;
  /** Number of segments with at least one lease. */
  readonly size: number;
}

export function createLeaseRegistry(): LeaseRegistry {
  const counts = new Map<number, number>();
  return {
    acquire(segmentIds, _holder) {
      const ids = [...new Set(segmentIds)];
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          for (const id of ids) {
            const left = (counts.get(id) ?? 1) - 1;
            if (left <= 0) counts.delete(id);
            else counts.set(id, left);
          }
        },
      };
    },
    isLeased: (segmentId) => counts.has(segmentId),
    get size() {
      return counts.size;
    },
  };
}
