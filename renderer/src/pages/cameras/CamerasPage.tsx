import { useState } from 'react';
import { RemoteError, type Camera, type CameraHealth } from '../../../../common/contract/index.js';
import { useCan } from '../../access.js';
import { useCameras, useHealth, useServices } from '../../app-context.js';
import { HealthSummary, nextAttemptOf } from '../../components/health.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { useHealthPolling } from '../../hooks.js';
import { CameraFormDialog } from './CameraFormDialog.js';
import { DetectionDialog } from './DetectionDialog.js';
import { nextDemoCamera } from './demo-camera.js';
import { OnvifWizard } from './OnvifWizard.js';
import { RemoveCameraDialog } from './RemoveCameraDialog.js';

type Dialog =
  | { kind: 'add' }
  | { kind: 'find'; xaddr?: string }
  | { kind: 'edit'; camera: Camera }
  | { kind: 'detection'; camera: Camera }
  | { kind: 'remove'; camera: Camera }
  | null;

function Url({ value }: { value: string }) {
  return (
    <code className="url" title={value}>
      {value}
    </code>
  );
}

function CameraRow({
  camera,
  health,
  receivedAt,
  showStreams,
  onEdit,
  onDetection,
  onRemove,
}: {
  camera: Camera;
  health: CameraHealth | undefined;
  receivedAt: number | null;
  /** Stream URLs and login are configuration: a viewer's answers carry them blank, so the column is left out. */
  showStreams: boolean;
  /** Each action is left out where the account may not use it. */
  onEdit: (() => void) | null;
  onDetection: (() => void) | null;
  onRemove: (() => void) | null;
}) {
  const actions = onEdit !== null || onDetection !== null || onRemove !== null;
  return (
    <tr data-testid="camera-row" data-camera-id={camera.id}>
      <td className="camera-name" data-testid="camera-name">
        {camera.name}
      </td>
      {showStreams ? (
        <td>
          <div className="stream">
            <span className="stream__label">Main</span>
            <Url value={camera.rtspUrl} />
          </div>
          <div className="stream">
            <span className="stream__label">Sub</span>
            {camera.subStreamUrl === null ? (
              <span className="muted">none</span>
            ) : (
              <Url value={camera.subStreamUrl} />
            )}
          </div>
          <div className="stream" data-testid="camera-credentials">
            <span className="stream__label">Login</span>
            <span className="credentials">
              {camera.username === null ? (
                <span className="muted">no username</span>
              ) : (
                <span className="credentials__user" data-testid="camera-username" title={camera.username}>
                  {camera.username}
                </span>
              )}
              <span className="muted">&nbsp;·&nbsp;</span>
              {camera.hasPassword ? <span>password set</span> : <span className="muted">no password</span>}
              {camera.rtspTransport === 'udp' ? <span className="muted">&nbsp;·&nbsp;UDP</span> : null}
            </span>
          </div>
          {camera.recordMode === 'continuous' ? null : (
            <div className="stream" data-testid="camera-record-mode">
              <span className="stream__label">Keeps</span>
              <span>
                {camera.recordMode === 'motion' ? 'motion only' : 'events only'}
                <span className="muted">
                  {` · ${camera.preRollSeconds} s before, ${camera.postRollSeconds} s after`}
                </span>
              </span>
            </div>
          )}
        </td>
      ) : null}
      <td className="status-cell">
        <StatusBadge
          status={camera.status}
          reason={camera.statusReason}
          nextAttemptAt={nextAttemptOf(camera, health)}
        />
      </td>
      <td className="health-cell">
        <HealthSummary camera={camera} health={health} receivedAt={receivedAt} />
      </td>
      {actions ? (
        <td className="actions actions--stacked">
          {onEdit === null ? null : (
            <button
              type="button"
              className="button button--small"
              onClick={onEdit}
              aria-label={`Edit ${camera.name}`}
            >
              Edit
            </button>
          )}
          {onDetection === null ? null : (
            <button
              type="button"
              className="button button--small"
              onClick={onDetection}
              aria-label={`Detection settings of ${camera.name}`}
            >
              Detection
            </button>
          )}
          {onRemove === null ? null : (
            <button
              type="button"
              className="button button--small button--danger-quiet"
              onClick={onRemove}
              aria-label={`Remove ${camera.name}`}
            >
              Remove
            </button>
          )}
        </td>
      ) : null}
    </tr>
  );
}

/** The camera list with add, edit and remove. It follows the engine's events, so other windows' edits show. */
export function CamerasPage() {
  const { cameras } = useServices();
  const list = useCameras((state) => state.cameras);
  const loadState = useCameras((state) => state.loadState);
  const loadError = useCameras((state) => state.loadError);
  const reload = useCameras((state) => state.reload);
  const add = useCameras((state) => state.add);
  const healthById = useHealth((state) => state.byId);
  const receivedAt = useHealth((state) => state.receivedAt);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [addingDemo, setAddingDemo] = useState(false);
  const [demoError, setDemoError] = useState<string | null>(null);
  const close = () => setDialog(null);
  const can = useCan();
  const canAdd = can('cameras.add');
  const canEdit = can('cameras.update');
  const canDetection = can('detection.settings.get');
  const canRemove = can('cameras.remove');
  const anyAction = canEdit || canDetection || canRemove;
  useHealthPolling();

  async function addDemo(): Promise<void> {
    setAddingDemo(true);
    setDemoError(null);
    try {
      // Another window may take the same name and URL meanwhile; then reload and pick the next ones.
      for (let attempt = 1; ; attempt++) {
        try {
          await add(nextDemoCamera(cameras.getState().cameras));
          return;
        } catch (error) {
          if (!(error instanceof RemoteError && error.code === 'conflict') || attempt >= 3) throw error;
          await cameras.getState().reload();
        }
      }
    } catch (error) {
      setDemoError(error instanceof Error ? error.message : String(error));
    } finally {
      setAddingDemo(false);
    }
  }

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Cameras</h1>
        {canAdd ? (
          <div className="page__actions" data-testid="camera-actions">
            <button
              type="button"
              className="button"
              onClick={() => void addDemo()}
              disabled={addingDemo}
              title="A built-in test pattern that records like a real camera"
            >
              {addingDemo ? 'Adding demo camera…' : 'Add demo camera'}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setDialog({ kind: 'find' })}
              title="Scan the network for ONVIF cameras"
            >
              Find cameras
            </button>
            <button
              type="button"
              className="button button--primary"
              onClick={() => setDialog({ kind: 'add' })}
            >
              Add camera
            </button>
          </div>
        ) : null}
      </header>

      {demoError === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="demo-error">
          <p>The demo camera could not be added: {demoError}</p>
          <button type="button" className="button button--small" onClick={() => setDemoError(null)}>
            Dismiss
          </button>
        </div>
      )}

      {loadState === 'error' ? (
        <div className="notice notice--error" role="alert">
          <p>Cameras could not be loaded: {loadError}</p>
          <button type="button" className="button button--small" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      ) : null}

      {loadState === 'loading' || loadState === 'idle' ? <p className="muted">Loading cameras…</p> : null}

      {loadState === 'ready' && list.length === 0 ? (
        <div className="empty" data-testid="cameras-empty">
          {canAdd ? (
            <>
              <p>No cameras yet — add one, or add a demo camera to see OmniSight work.</p>
              <p className="muted">
                A camera needs its RTSP URL; the demo camera is a built-in test pattern that records like a
                real one.
              </p>
            </>
          ) : (
            <p>No cameras are shared with this account. An admin can give it access to cameras.</p>
          )}
        </div>
      ) : null}

      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="camera-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                {canEdit ? <th scope="col">Streams</th> : null}
                <th scope="col">Status</th>
                <th scope="col">Recording</th>
                {anyAction ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.map((camera) => (
                <CameraRow
                  key={camera.id}
                  camera={camera}
                  health={healthById[camera.id]}
                  receivedAt={receivedAt}
                  showStreams={canEdit}
                  onEdit={canEdit ? () => setDialog({ kind: 'edit', camera }) : null}
                  onDetection={canDetection ? () => setDialog({ kind: 'detection', camera }) : null}
                  onRemove={canRemove ? () => setDialog({ kind: 'remove', camera }) : null}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {dialog?.kind === 'add' ? (
        <CameraFormDialog onClose={close} onOnvif={(xaddr) => setDialog({ kind: 'find', xaddr })} />
      ) : null}
      {dialog?.kind === 'find' ? (
        <OnvifWizard onClose={close} {...(dialog.xaddr === undefined ? {} : { xaddr: dialog.xaddr })} />
      ) : null}
      {dialog?.kind === 'edit' ? <CameraFormDialog camera={dialog.camera} onClose={close} /> : null}
      {dialog?.kind === 'detection' ? <DetectionDialog camera={dialog.camera} onClose={close} /> : null}
      {dialog?.kind === 'remove' ? <RemoveCameraDialog camera={dialog.camera} onClose={close} /> : null}
    </section>
  );
}
