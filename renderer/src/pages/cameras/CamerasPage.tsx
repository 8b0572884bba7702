import { useState } from 'react';
import type { Camera } from '../../../../common/contract/index.js';
import { useCameras } from '../../app-context.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { CameraFormDialog } from './CameraFormDialog.js';
import { RemoveCameraDialog } from './RemoveCameraDialog.js';

type Dialog = { kind: 'add' } | { kind: 'edit'; camera: Camera } | { kind: 'remove'; camera: Camera } | null;

function Url({ value }: { value: string }) {
  return (
    <code className="url" title={value}>
      {value}
    </code>
  );
}

function CameraRow({
  camera,
  onEdit,
  onRemove,
}: {
  camera: Camera;
  onEdit: () => void;
  onRemove: () => void;
}) {
  return (
    <tr data-testid="camera-row" data-camera-id={camera.id}>
      <td className="camera-name" data-testid="camera-name">
        {camera.name}
      </td>
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
      </td>
      <td className="nowrap">
        <div>{camera.username ?? <span className="muted">no username</span>}</div>
        <div>{camera.hasPassword ? 'password set' : <span className="muted">no password</span>}</div>
      </td>
      <td className="nowrap">{camera.enabled ? 'Yes' : <span className="muted">No</span>}</td>
      <td>
        <StatusBadge status={camera.status} reason={camera.statusReason} />
      </td>
      <td className="actions">
        <button
          type="button"
          className="button button--small"
          onClick={onEdit}
          aria-label={`Edit ${camera.name}`}
        >
          Edit
        </button>
        <button
          type="button"
          className="button button--small button--danger-quiet"
          onClick={onRemove}
          aria-label={`Remove ${camera.name}`}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

/** The camera list with add, edit and remove. It follows the engine's events, so other windows' edits show. */
export function CamerasPage() {
  const cameras = useCameras((state) => state.cameras);
  const loadState = useCameras((state) => state.loadState);
  const loadError = useCameras((state) => state.loadError);
  const reload = useCameras((state) => state.reload);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Cameras</h1>
        <button type="button" className="button button--primary" onClick={() => setDialog({ kind: 'add' })}>
          Add camera
        </button>
      </header>

      {loadState === 'error' ? (
        <div className="notice notice--error" role="alert">
          <p>Cameras could not be loaded: {loadError}</p>
          <button type="button" className="button button--small" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      ) : null}

      {loadState === 'loading' || loadState === 'idle' ? <p className="muted">Loading cameras…</p> : null}

      {loadState === 'ready' && cameras.length === 0 ? (
        <div className="empty" data-testid="cameras-empty">
          <p>No cameras yet.</p>
          <p className="muted">Add one with its RTSP URL, or demo:name for the built-in test source.</p>
        </div>
      ) : null}

      {cameras.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="camera-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Streams</th>
                <th scope="col">Credentials</th>
                <th scope="col">Enabled</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cameras.map((camera) => (
                <CameraRow
                  key={camera.id}
                  camera={camera}
                  onEdit={() => setDialog({ kind: 'edit', camera })}
                  onRemove={() => setDialog({ kind: 'remove', camera })}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {dialog?.kind === 'add' ? <CameraFormDialog onClose={close} /> : null}
      {dialog?.kind === 'edit' ? <CameraFormDialog camera={dialog.camera} onClose={close} /> : null}
      {dialog?.kind === 'remove' ? <RemoveCameraDialog camera={dialog.camera} onClose={close} /> : null}
    </section>
  );
}
