import { useEffect, useId, useState, type ReactNode, type SyntheticEvent } from 'react';
import type {
  CleanupSummary,
  LockedEvent,
  RootState,
  StorageSettings,
  StorageState,
  StorageStatus,
} from '../../../../common/contract/index.js';
import { useServices, useStorage } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';
import { formatAge, formatBytes, formatSpan } from '../../format.js';
import { useNow } from '../../hooks.js';
import {
  errorsFromRemote,
  formValuesOf,
  hasErrors,
  validateRetention,
  type CameraRetentionField,
  type LimitField,
  type RetentionErrors,
  type RetentionFormValues,
} from './retention-form.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const ROOT_LABELS: Record<RootState, string> = {
  ok: 'OK',
  missing: 'Missing',
  marker_missing: 'Wrong volume',
  marker_mismatch: 'Wrong volume',
  unreadable: 'Unreadable',
};

const STATE_LABELS: Record<StorageState, string> = {
  ok: 'Recording normally',
  low_space: 'Low space: cleaning up',
  stopped_full: 'Stopped: disk full',
  root_problem: 'Stopped: folder unavailable',
};
const STATE_BADGES: Record<StorageState, string> = {
  ok: 'badge--ok',
  low_space: 'badge--pending',
  stopped_full: 'badge--bad',
  root_problem: 'badge--bad',
};

const CLEANUP_REASONS: Record<CleanupSummary['reason'], string> = {
  scheduled: 'scheduled',
  low_space: 'free space under the floor',
  write_error: 'a write failed for lack of space',
  settings: 'retention rules changed',
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function Figure({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/** Recordings, other files and free space across the disk, with the floor as a marked zone at the end. */
function UsageBar({ status }: { status: StorageStatus }) {
  const total = status.totalBytes;
  if (total <= 0) return null;
  const percent = (bytes: number) => `${Math.min(100, Math.max(0, (bytes / total) * 100)).toFixed(2)}%`;
  const other = Math.max(0, total - status.freeBytes - status.usedBytes);
  return (
    <div className="usage" aria-hidden="true">
      <div className="usage__bar">
        <span className="usage__part usage__part--recordings" style={{ width: percent(status.usedBytes) }} />
        <span className="usage__part usage__part--other" style={{ width: percent(other) }} />
        <span className="usage__floor" style={{ width: percent(status.floorBytes) }} />
      </div>
      <p className="usage__legend muted">
        <span className="usage__key usage__key--recordings" /> recordings
        <span className="usage__key usage__key--other" /> other files
        <span className="usage__key usage__key--free" /> free
        <span className="usage__key usage__key--floor" /> kept free (floor)
      </p>
    </div>
  );
}

function Overview({ status }: { status: StorageStatus }) {
  const rootOk = status.root.state === 'ok';
  return (
    <section className="section section--first" aria-labelledby="storage-disk-title">
      <h2 id="storage-disk-title" className="section__title">
        Disk
      </h2>
      <dl className="facts storage-facts">
        <dt>Recordings folder</dt>
        <dd>
          <code data-testid="storage-root-dir">{status.recordingsDir}</code>{' '}
          <span
            className={`badge ${rootOk ? 'badge--ok' : 'badge--bad'}`}
            data-testid="storage-root-state"
            data-state={status.root.state}
          >
            {ROOT_LABELS[status.root.state]}
          </span>
          {status.root.problem === null ? null : (
            <p className="text-bad storage-facts__problem" data-testid="storage-root-problem">
              {status.root.problem}
            </p>
          )}
        </dd>
        <dt>Recording</dt>
        <dd>
          <span
            className={`badge ${STATE_BADGES[status.state]}`}
            data-testid="storage-state"
            data-state={status.state}
          >
            {STATE_LABELS[status.state]}
          </span>
          {status.message === null || status.message === status.root.problem ? null : (
            <p
              className={`storage-facts__problem ${status.state === 'ok' ? 'muted' : 'text-bad'}`}
              data-testid="storage-message"
            >
              {status.message}
            </p>
          )}
        </dd>
      </dl>
      <dl className="figures" data-testid="storage-figures">
        <Figure label="Recordings" testId="storage-used">
          {formatBytes(status.usedBytes)}
        </Figure>
        <Figure label="Free" testId="storage-free">
          {rootOk ? formatBytes(status.freeBytes) : '—'}
        </Figure>
        <Figure label="Floor" testId="storage-floor">
          {rootOk ? formatBytes(status.floorBytes) : '—'}
        </Figure>
        <Figure label="Disk size" testId="storage-total">
          {rootOk ? formatBytes(status.totalBytes) : '—'}
        </Figure>
        <Figure label="Size limit" testId="storage-limit">
          {status.maxTotalBytes === null ? 'none' : formatBytes(status.maxTotalBytes)}
        </Figure>
        <Figure label="Room for" testId="storage-days-remaining">
          {status.daysRemaining === null ? '—' : `${status.daysRemaining} days`}
        </Figure>
      </dl>
      <UsageBar status={status} />
      <p className="section__note muted">
        Recordings: the sum of the indexed segments. Free and disk size: the volume’s. Floor: the free space
        cleanup keeps (the larger of the GB and % rules). Room for: how long until cleanup starts deleting the
        oldest footage, at the rate of the last 24 hours.
      </p>
    </section>
  );
}

function LastCleanup({ cleanup, now }: { cleanup: CleanupSummary | null; now: number }) {
  return (
    <section className="section" aria-labelledby="storage-cleanup-title">
      <h2 id="storage-cleanup-title" className="section__title">
        Last cleanup
      </h2>
      {cleanup === null ? (
        <p className="muted" data-testid="storage-cleanup">
          No cleanup since OmniSight started. It runs every 5 minutes, and at once when free space falls under
          the floor.
        </p>
      ) : (
        <p data-testid="storage-cleanup">
          <span title={timeFormat.format(cleanup.at)}>{formatAge(now - cleanup.at)}</span> (
          {CLEANUP_REASONS[cleanup.reason]}):{' '}
          {cleanup.deletedSegments === 0
            ? 'nothing needed deleting'
            : `deleted the ${cleanup.deletedSegments} oldest segment${cleanup.deletedSegments === 1 ? '' : 's'}, freeing ${formatBytes(cleanup.freedBytes)}`}
          {cleanup.skippedProtected > 0
            ? `; kept ${cleanup.skippedProtected} that are locked or in use by playback or an export`
            : ''}
          {cleanup.failed > 0 ? (
            <span className="text-bad">; {cleanup.failed} could not be deleted (see the log)</span>
          ) : null}
          .
        </p>
      )}
    </section>
  );
}

function AcceptLossDialog({ onClose }: { onClose: () => void }) {
  const { storage } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await storage.getState().reconcile(true);
      onClose();
    } catch (caught) {
      setError(message(caught));
      setBusy(false);
    }
  }

  return (
    <Modal title="Accept the loss and reconcile?" onClose={onClose} testId="reconcile-dialog">
      <p className="modal__text">
        OmniSight will forget every recording whose file is missing from the recordings folder: those
        stretches become gaps in the timeline, for good. Files on disk are not touched; unknown files are
        quarantined, not deleted.
      </p>
      <p className="modal__text">
        Do this only after checking that the right disk is mounted. If it is not, cancel, mount it and restart
        OmniSight instead.
      </p>
      {error === null ? null : (
        <p className="form__error" role="alert">
          {error}
        </p>
      )}
      <div className="form__actions">
        <button type="button" className="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={busy}
          onClick={() => void confirm()}
        >
          {busy ? 'Reconciling…' : 'Accept and reconcile'}
        </button>
      </div>
    </Modal>
  );
}

function Reconciliation({ status, now }: { status: StorageStatus; now: number }) {
  const [confirming, setConfirming] = useState(false);
  const summary = status.reconcile;
  return (
    <section className="section" aria-labelledby="storage-reconcile-title">
      <h2 id="storage-reconcile-title" className="section__title">
        Disk and index
      </h2>
      {summary?.refused === true ? (
        <div className="notice notice--warning notice--stacked" role="alert" data-testid="reconcile-refused">
          <p>
            <strong>
              Cleanup is paused: most of the footage OmniSight knows about is missing from disk.
            </strong>
          </p>
          <p>{summary.message}</p>
          <p className="muted">
            At start, OmniSight compares the recordings folder with its index. When more than half of the
            indexed footage has no file, that usually means another disk (or none) is mounted there, so
            nothing was removed and retention waits. If the files really are gone (deleted or lost), accept
            the loss: their rows go and cleanup resumes.
          </p>
          <div>
            <button
              type="button"
              className="button button--danger"
              onClick={() => setConfirming(true)}
              disabled={status.root.state !== 'ok'}
            >
              Accept and reconcile…
            </button>
          </div>
        </div>
      ) : (
        <p className="muted" data-testid="reconcile-summary">
          {summary === null
            ? 'Not checked since start (the recordings folder was not available).'
            : `Checked ${formatAge(now - summary.at)}: ${summary.message ?? 'disk and index agree.'}`}
        </p>
      )}
      {confirming ? <AcceptLossDialog onClose={() => setConfirming(false)} /> : null}
    </section>
  );
}

interface LimitSpec {
  field: LimitField;
  label: string;
  hint: string;
  unit: string;
}

const LIMIT_SPECS: readonly LimitSpec[] = [
  { field: 'maxTotalGb', label: 'Size limit', hint: 'All recordings; empty: no limit', unit: 'GB' },
  {
    field: 'minFreeGb',
    label: 'Keep free at least',
    hint: 'The larger of GB and % is kept free',
    unit: 'GB',
  },
  { field: 'minFreePercent', label: 'Keep free at least', hint: 'Of the disk size, 0 to 90', unit: '%' },
  { field: 'eventPreRollSeconds', label: 'Before an event, keep', hint: 'Up to 600 s', unit: 's' },
  { field: 'eventPostRollSeconds', label: 'After an event, keep', hint: 'Up to 600 s', unit: 's' },
];

function NumberInput({
  value,
  error,
  label,
  unit,
  testId,
  onChange,
  hint,
}: {
  value: string;
  error: string | undefined;
  label: string;
  unit: string;
  testId: string;
  onChange: (value: string) => void;
  hint?: string;
}) {
  const id = useId();
  const describedBy = [hint === undefined ? null : `${id}-hint`, error === undefined ? null : `${id}-error`]
    .filter((part) => part !== null)
    .join(' ');
  return (
    <div className={error === undefined ? 'field' : 'field field--invalid'}>
      <label htmlFor={id}>
        {label} <span className="muted">({unit})</span>
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={value}
        aria-invalid={error !== undefined}
        aria-describedby={describedBy || undefined}
        data-testid={testId}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      {error === undefined ? null : (
        <p id={`${id}-error`} className="field__error" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function DaysCell({
  value,
  error,
  label,
  testId,
  onChange,
}: {
  value: string;
  error: string | undefined;
  label: string;
  testId: string;
  onChange: (value: string) => void;
}) {
  const errorId = useId();
  return (
    <td className={error === undefined ? 'days-cell' : 'days-cell field--invalid'}>
      <input
        className="days-input"
        type="text"
        inputMode="numeric"
        autoComplete="off"
        placeholder="no limit"
        value={value}
        aria-label={label}
        aria-invalid={error !== undefined}
        aria-describedby={error === undefined ? undefined : errorId}
        data-testid={testId}
        onChange={(event) => onChange(event.target.value)}
      />
      {error === undefined ? null : (
        <p id={errorId} className="field__error" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </td>
  );
}

function RetentionEditor({ status }: { status: StorageStatus | null }) {
  const { transport, storage } = useServices();
  const [settings, setSettings] = useState<StorageSettings | null>(null);
  const [values, setValues] = useState<RetentionFormValues | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<RetentionErrors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('storage.settings.get', {}).then(
      (loaded) => {
        if (cancelled) return;
        setSettings(loaded);
        setValues(formValuesOf(loaded));
        setLoadError(null);
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(message(error));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [transport, attempt]);

  if (loadError !== null) {
    return (
      <div className="notice notice--error" role="alert">
        <p>The retention rules could not be loaded: {loadError}</p>
        <button type="button" className="button button--small" onClick={() => setAttempt(attempt + 1)}>
          Try again
        </button>
      </div>
    );
  }
  if (settings === null || values === null) return <p className="muted">Loading…</p>;

  function changeLimit(field: LimitField, value: string): void {
    setValues((current) => current && { ...current, limits: { ...current.limits, [field]: value } });
    setErrors((current) => ({ ...current, [`limits.${field}`]: undefined, form: undefined }));
    setSaved(null);
  }

  function changeCamera(id: string, field: CameraRetentionField, value: string): void {
    setValues(
      (current) =>
        current && {
          ...current,
          cameras: {
            ...current.cameras,
            [id]: { retainDays: '', retainEventDays: '', ...current.cameras[id], [field]: value },
          },
        },
    );
    // The two days of a camera are checked together (events at least as long as continuous footage).
    setErrors((current) => ({
      ...current,
      [`cameras.${id}.retainDays`]: undefined,
      [`cameras.${id}.retainEventDays`]: undefined,
      form: undefined,
    }));
    setSaved(null);
  }

  async function submit(event: SyntheticEvent): Promise<void> {
    event.preventDefault();
    if (busy || settings === null || values === null) return;
    const checked = validateRetention(settings, values, status?.totalBytes ?? 0);
    setSaved(null);
    if (checked.errors !== null) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    if (checked.input.limits === undefined && checked.input.cameras === undefined) {
      setSaved('Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      const result = await transport.invoke('storage.settings.set', checked.input);
      setSettings(result);
      setValues(formValuesOf(result));
      setSaved('Saved. A cleanup pass runs with the new rules.');
      void storage.getState().refresh();
    } catch (error) {
      setErrors(errorsFromRemote(error, checked.sentCameras));
    } finally {
      setBusy(false);
    }
  }

  const footage = new Map((status?.cameras ?? []).map((camera) => [camera.id, camera]));
  // Removed cameras matter while they still have footage (it ages out by their rules).
  const rows = settings.cameras.filter((camera) => !camera.removed || footage.has(camera.id));

  return (
    <form
      className="form retention-form"
      aria-label="Retention rules"
      noValidate
      onSubmit={(event) => void submit(event)}
    >
      <fieldset className="retention-form__group">
        <legend>All recordings</legend>
        <div className="retention-form__limits">
          {LIMIT_SPECS.map((spec) => (
            <NumberInput
              key={spec.field}
              label={spec.label}
              unit={spec.unit}
              hint={spec.hint}
              value={values.limits[spec.field]}
              error={errors[`limits.${spec.field}`]}
              testId={`limit-${spec.field}`}
              onChange={(value) => changeLimit(spec.field, value)}
            />
          ))}
        </div>
      </fieldset>

      <fieldset className="retention-form__group">
        <legend>Per camera</legend>
        {rows.length === 0 ? (
          <p className="muted" data-testid="retention-no-cameras">
            No cameras yet.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="table table--compact" data-testid="retention-table">
              <thead>
                <tr>
                  <th scope="col">Camera</th>
                  <th scope="col" className="number">
                    Footage
                  </th>
                  <th scope="col">Kept from</th>
                  <th scope="col" className="number" title="Measured over the last 24 hours">
                    Per day
                  </th>
                  <th scope="col">Continuous (days)</th>
                  <th scope="col">Around events (days)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((camera) => {
                  const kept = footage.get(camera.id);
                  const typed = values.cameras[camera.id] ?? { retainDays: '', retainEventDays: '' };
                  return (
                    <tr key={camera.id} data-testid="retention-row" data-camera-id={camera.id}>
                      <td className="camera-name">
                        {camera.name}
                        {camera.removed ? <span className="muted"> (removed)</span> : null}
                      </td>
                      <td className="number" data-testid="retention-bytes">
                        {kept === undefined ? '—' : formatBytes(kept.bytes)}
                      </td>
                      <td className="nowrap" data-testid="retention-span">
                        {kept?.oldestTime == null || kept.newestTime === null ? (
                          <span className="muted">no footage</span>
                        ) : (
                          <>
                            {dayFormat.format(kept.oldestTime)}
                            <br />
                            <span className="muted">
                              {formatSpan(kept.newestTime - kept.oldestTime)} kept
                            </span>
                          </>
                        )}
                      </td>
                      <td className="number">
                        {kept === undefined || kept.bytesPerDay === 0 ? '—' : formatBytes(kept.bytesPerDay)}
                      </td>
                      <DaysCell
                        label={`Days of continuous footage for ${camera.name}`}
                        value={typed.retainDays}
                        error={errors[`cameras.${camera.id}.retainDays`]}
                        testId="retain-days"
                        onChange={(value) => changeCamera(camera.id, 'retainDays', value)}
                      />
                      <DaysCell
                        label={`Days of footage around events for ${camera.name}`}
                        value={typed.retainEventDays}
                        error={errors[`cameras.${camera.id}.retainEventDays`]}
                        testId="retain-event-days"
                        onChange={(value) => changeCamera(camera.id, 'retainEventDays', value)}
                      />
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <p className="section__note muted">
          Empty: no age limit (the size limit and the free-space floor still apply). Footage around events is
          kept at least as long as continuous footage. Cleanup always deletes the oldest footage first, never
          locked footage, exports or what playback and exports are reading.
        </p>
      </fieldset>

      {errors.form === undefined ? null : (
        <p className="form__error" role="alert" data-testid="retention-form-error">
          {errors.form}
        </p>
      )}
      <div className="form__actions form__actions--start">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        {saved === null ? null : (
          <p className="muted" role="status" data-testid="retention-saved">
            {saved}
          </p>
        )}
        {hasErrors(errors) && errors.form === undefined ? (
          <p className="text-bad" role="status" data-testid="retention-invalid">
            Nothing was saved: correct the marked fields.
          </p>
        ) : null}
      </div>
    </form>
  );
}

function LockedFootage() {
  const { transport } = useServices();
  const [locked, setLocked] = useState<LockedEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('events.listLocked', {}).then(
      (list) => {
        if (!cancelled) setLocked(list);
      },
      (caught: unknown) => {
        if (!cancelled) setError(message(caught));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [transport]);

  async function unlock(id: number): Promise<void> {
    setError(null);
    try {
      await transport.invoke('events.unlock', { id });
      setLocked((current) => current?.filter((event) => event.id !== id) ?? null);
    } catch (caught) {
      setError(message(caught));
    }
  }

  const total = (locked ?? []).reduce((sum, event) => sum + event.bytes, 0);
  return (
    <section className="section" aria-labelledby="storage-locked-title" data-testid="locked-footage">
      <h2 id="storage-locked-title" className="section__title">
        Locked footage
      </h2>
      {error === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="locked-error">
          <p>{error}</p>
        </div>
      )}
      {locked === null ? null : locked.length === 0 ? (
        <p className="muted" data-testid="locked-empty">
          No locked events. A locked event’s footage, with the time kept before and after it, survives cleanup
          until it is unlocked; events can be locked from the API now and from the Events page once detection
          arrives.
        </p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--compact" data-testid="locked-table">
              <thead>
                <tr>
                  <th scope="col">Camera</th>
                  <th scope="col">Event</th>
                  <th scope="col">When</th>
                  <th scope="col" className="number">
                    Footage kept
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {locked.map((event) => (
                  <tr key={event.id} data-testid="locked-row" data-event-id={event.id}>
                    <td className="camera-name">{event.cameraName}</td>
                    <td>{event.type}</td>
                    <td className="nowrap">
                      {timeFormat.format(event.startTime)}
                      <br />
                      <span className="muted">
                        {event.endTime === null
                          ? 'still going: keeps everything after its start'
                          : `lasting ${formatSpan(event.endTime - event.startTime)}`}
                      </span>
                    </td>
                    <td className="number">{formatBytes(event.bytes)}</td>
                    <td className="actions">
                      <button
                        type="button"
                        className="button button--small"
                        aria-label={`Unlock ${event.type} event on ${event.cameraName} at ${timeFormat.format(event.startTime)}`}
                        onClick={() => void unlock(event.id)}
                      >
                        Unlock
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="section__note muted" data-testid="locked-total">
            {locked.length} locked event{locked.length === 1 ? '' : 's'} keep {formatBytes(total)} of footage.
          </p>
        </>
      )}
    </section>
  );
}

/** Where the footage goes: the disk, the last cleanup, reconciliation, the retention rules, locked footage. */
export function StoragePage() {
  const { storage } = useServices();
  const status = useStorage((state) => state.status);
  const error = useStorage((state) => state.error);
  const now = useNow(10_000);

  useEffect(() => storage.getState().watch(), [storage]);

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Storage</h1>
      </header>
      {error === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="storage-error">
          <p>The storage status is not available: {error}</p>
        </div>
      )}
      {status === null ? (
        error === null ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <>
          <Overview status={status} />
          <LastCleanup cleanup={status.lastCleanup} now={now} />
          <Reconciliation status={status} now={now} />
        </>
      )}
      <section className="section" aria-labelledby="storage-retention-title">
        <h2 id="storage-retention-title" className="section__title">
          Retention
        </h2>
        <RetentionEditor status={status} />
      </section>
      <LockedFootage />
    </section>
  );
}
