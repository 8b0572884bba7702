import { useEffect, useState, type SyntheticEvent } from 'react';
import { exportDownloadPath, type Camera, type Export } from '../../../../common/contract/index.js';
import { useCameras, useServices } from '../../app-context.js';
import { formatBytes, formatSpan } from '../../format.js';
import {
  utcToLocalInput,
  validateExportForm,
  type ExportFormErrors,
  type ExportFormValues,
} from './export-form.js';
import { createExportsStore, type ExportsState, type ExportsStore } from './exports-store.js';
import { useStore } from 'zustand';

/** The range the form offers first: the last five minutes, to the minute. */
export const DEFAULT_RANGE_MS = 5 * 60 * 1000;

const STATUS_LABELS: Record<Export['status'], string> = {
  queued: 'Queued',
  running: 'Exporting',
  done: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const STATUS_BADGES: Record<Export['status'], string> = {
  queued: 'badge--pending',
  running: 'badge--pending',
  done: 'badge--ok',
  failed: 'badge--bad',
  cancelled: 'badge--rest',
};

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ExportForm({ cameras, store }: { cameras: Camera[]; store: ExportsStore }) {
  const [values, setValues] = useState<ExportFormValues>(() => {
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    return { cameraIds: [], start: utcToLocalInput(end - DEFAULT_RANGE_MS), end: utcToLocalInput(end) };
  });
  const [errors, setErrors] = useState<ExportFormErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function toggle(id: string, checked: boolean): void {
    setValues((current) => ({
      ...current,
      cameraIds: checked ? [...current.cameraIds, id] : current.cameraIds.filter((other) => other !== id),
    }));
  }

  async function submit(event: SyntheticEvent): Promise<void> {
    event.preventDefault();
    const checked = validateExportForm(values);
    setErrors(checked.errors ?? {});
    setSubmitError(null);
    if (checked.input === null) return;
    setBusy(true);
    try {
      await store.getState().create(checked.input);
    } catch (error) {
      setSubmitError(message(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="form export-form"
      aria-label="New export"
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <fieldset className="export-form__field">
        <legend>Cameras</legend>
        {cameras.length === 0 ? <p className="muted">No cameras yet.</p> : null}
        <div className="export-form__cameras">
          {cameras.map((camera) => (
            <label key={camera.id} className="checkbox">
              <input
                type="checkbox"
                checked={values.cameraIds.includes(camera.id)}
                onChange={(event) => toggle(camera.id, event.target.checked)}
              />
              {camera.name}
            </label>
          ))}
        </div>
        {errors.cameraIds === undefined ? null : (
          <p className="field__error" data-testid="export-error-cameraIds">
            {errors.cameraIds}
          </p>
        )}
      </fieldset>
      <div className="form__row">
        {(['start', 'end'] as const).map((field) => (
          <div key={field} className={`field${errors[field] === undefined ? '' : ' field--invalid'}`}>
            <label htmlFor={`export-${field}`}>{field === 'start' ? 'Start' : 'End'}</label>
            <input
              id={`export-${field}`}
              type="datetime-local"
              step={1}
              value={values[field]}
              onChange={(event) => setValues((current) => ({ ...current, [field]: event.target.value }))}
            />
            {errors[field] === undefined ? (
              <p className="field__hint">Local time</p>
            ) : (
              <p className="field__error" data-testid={`export-error-${field}`}>
                {errors[field]}
              </p>
            )}
          </div>
        ))}
      </div>
      {submitError === null ? null : (
        <p className="form__error" role="alert" data-testid="export-submit-error">
          {submitError}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Starting export…' : 'Export'}
        </button>
      </div>
    </form>
  );
}

function Gaps({ gaps }: { gaps: Export['gaps'] }) {
  if (gaps.length === 0) return <span className="muted">no gaps</span>;
  return (
    <ul className="export-gaps" data-testid="export-gaps">
      {gaps.map((gap) => (
        <li key={gap.start}>
          gap {clockFormat.format(gap.start)} – {clockFormat.format(gap.end)} (
          {formatSpan(gap.end - gap.start)})
        </li>
      ))}
    </ul>
  );
}

function ExportRow({
  exported,
  cameraName,
  canDownload,
  onCancel,
  onDelete,
}: {
  exported: Export;
  cameraName: string;
  canDownload: boolean;
  onCancel: () => void;
  onDelete: () => void;
}) {
  const label = `${cameraName}, ${timeFormat.format(exported.startTime)}`;
  const active = exported.status === 'queued' || exported.status === 'running';
  return (
    <tr data-testid="export-row" data-export-id={exported.id} data-status={exported.status}>
      <td className="camera-name">{cameraName}</td>
      <td className="nowrap">
        {timeFormat.format(exported.startTime)}
        <br />
        <span className="muted">to {timeFormat.format(exported.endTime)}</span>
      </td>
      <td>
        <span className={`badge ${STATUS_BADGES[exported.status]}`} data-testid="export-status">
          {STATUS_LABELS[exported.status]}
        </span>
        {exported.status === 'running' ? (
          <progress
            className="export-progress"
            max={1}
            value={exported.progress}
            aria-label={`Progress of ${label}`}
            data-testid="export-progress"
          />
        ) : null}
        {exported.error === null ? null : <p className="text-bad export-error">{exported.error}</p>}
      </td>
      <td>
        {formatSpan(exported.recordedMs)} of footage
        <Gaps gaps={exported.gaps} />
      </td>
      <td className="number">{exported.fileSize === null ? '—' : formatBytes(exported.fileSize)}</td>
      <td className="actions actions--stacked">
        {active ? (
          <button
            type="button"
            className="button button--small"
            onClick={onCancel}
            aria-label={`Cancel ${label}`}
          >
            Cancel
          </button>
        ) : null}
        {exported.status === 'done' && exported.fileName !== null ? (
          canDownload ? (
            <a
              className="button button--small export-row__download"
              href={exportDownloadPath(exported.id)}
              download={exported.fileName}
              data-testid="export-download"
            >
              Download
            </a>
          ) : (
            <span
              className="muted"
              title="The desktop app keeps exports in the exports folder of its data folder"
            >
              {exported.fileName}
            </span>
          )
        ) : null}
        {active ? null : (
          <button
            type="button"
            className="button button--small button--danger-quiet"
            onClick={onDelete}
            aria-label={`Delete ${label}`}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

/** Clip export: pick cameras and a range, follow the exports' progress, download or delete the files. */
export function ExportsPage() {
  const { transport } = useServices();
  const cameras = useCameras((state) => state.cameras);
  const [store] = useState(() => createExportsStore(transport));
  const list = useStore(store, (state: ExportsState) => state.exports);
  const loadState = useStore(store, (state: ExportsState) => state.loadState);
  const loadError = useStore(store, (state: ExportsState) => state.loadError);
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => {
    store.getState().start();
    return () => store.getState().stop();
  }, [store]);

  async function act(run: () => Promise<void>): Promise<void> {
    setActionError(null);
    try {
      await run();
    } catch (error) {
      setActionError(message(error));
    }
  }

  const names = new Map(cameras.map((camera) => [camera.id, camera.name]));
  // The desktop app has no HTTP server to download from; its exports stay in its exports folder.
  const canDownload = transport.kind !== 'ipc';

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Exports</h1>
      </header>
      <ExportForm cameras={cameras} store={store} />

      {actionError === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="export-action-error">
          <p>{actionError}</p>
          <button type="button" className="button button--small" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </div>
      )}
      {loadState === 'error' ? (
        <div className="notice notice--error" role="alert">
          <p>Exports could not be loaded: {loadError}</p>
          <button
            type="button"
            className="button button--small"
            onClick={() => void store.getState().reload()}
          >
            Try again
          </button>
        </div>
      ) : null}
      {loadState === 'ready' && list.length === 0 ? (
        <p className="empty muted" data-testid="exports-empty">
          No exports yet. Each camera you pick becomes one MP4 file of the range, without the gaps.
        </p>
      ) : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="export-list">
            <thead>
              <tr>
                <th scope="col">Camera</th>
                <th scope="col">Range</th>
                <th scope="col">Status</th>
                <th scope="col">Footage</th>
                <th scope="col">Size</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((exported) => (
                <ExportRow
                  key={exported.id}
                  exported={exported}
                  cameraName={names.get(exported.cameraId) ?? exported.cameraId}
                  canDownload={canDownload}
                  onCancel={() => void act(() => store.getState().cancel(exported.id))}
                  onDelete={() => void act(() => store.getState().remove(exported.id))}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
