import { useState } from 'react';
import { useStorage } from '../app-context.js';
import { formatBytes } from '../format.js';
import { useNow } from '../hooks.js';
import { hrefFor } from '../routes.js';
import { alertKindOf, type StorageAlertKind } from '../store/storage-store.js';

/** A dismissed banner comes back after this long while its condition still holds. */
export const BANNER_SNOOZE_MS = 5 * 60_000;

const TITLES: Record<StorageAlertKind, string> = {
  stopped_full: 'Disk full: recording stopped',
  root_problem: 'Recordings folder not available: recording stopped',
  low_space: 'Disk nearly full',
  reconcile_refused: 'Cleanup is paused',
};

const ADVICE: Record<StorageAlertKind, string> = {
  stopped_full:
    'To make room: free space on the disk, unlock footage, delete exports, or lower the free-space floor on ' +
    'the Storage page. Recording resumes by itself once there is room.',
  root_problem:
    'OmniSight never writes elsewhere instead. Mount the disk (or fix the folder); recording resumes by itself.',
  low_space:
    'Recording continues while the oldest footage is deleted. To keep more room: lower retention, free space ' +
    'on the disk, or change the free-space floor on the Storage page.',
  reconcile_refused:
    'Most indexed footage is missing from disk, so nothing is deleted until you check. See the Storage page.',
};

/**
 * Across every page while storage needs attention: low space, recording stopped (disk full or recordings
 * folder missing), or a refused reconciliation. Dismissing hides it until the condition changes, a new
 * `storage.lowSpace` arrives, or a few minutes pass with the condition still there.
 */
export function StorageBanner() {
  const status = useStorage((state) => state.status);
  const lowSpace = useStorage((state) => state.lowSpace);
  const kind = alertKindOf({ status, lowSpace });
  // What was dismissed: the kind and the push it showed, and when.
  const [dismissed, setDismissed] = useState<{ key: string; at: number } | null>(null);
  const now = useNow(15_000, dismissed !== null);
  if (kind === null) return null;
  const key = `${kind}:${lowSpace?.at ?? ''}`;
  if (dismissed !== null && dismissed.key === key && now - dismissed.at < BANNER_SNOOZE_MS) return null;

  const figures =
    status !== null && status.root.state === 'ok' && status.totalBytes > 0 && kind !== 'reconcile_refused'
      ? `${formatBytes(status.freeBytes)} free of ${formatBytes(status.totalBytes)}; the floor keeps ${formatBytes(status.floorBytes)} free.`
      : null;
  const detail =
    kind === 'reconcile_refused'
      ? null
      : kind === 'low_space'
        ? (lowSpace?.message ?? status?.message ?? null)
        : (status?.message ?? lowSpace?.message ?? null);
  const severe = kind === 'stopped_full' || kind === 'root_problem';

  return (
    <div
      className={`banner ${severe ? 'banner--bad' : 'banner--warning'}`}
      role="alert"
      data-testid="storage-banner"
      data-kind={kind}
    >
      <div className="banner__body">
        <p className="banner__title">{TITLES[kind]}</p>
        {detail === null ? null : <p data-testid="storage-banner-detail">{detail}</p>}
        {figures === null ? null : <p className="banner__figures">{figures}</p>}
        <p className="banner__advice">{ADVICE[kind]}</p>
      </div>
      <div className="banner__actions">
        <a className="button button--small" href={hrefFor('storage')}>
          Open Storage
        </a>
        <button
          type="button"
          className="button button--small"
          onClick={() => setDismissed({ key, at: Date.now() })}
        >
          Dismiss
        </button>
      </div>
    </div>
  );
}
