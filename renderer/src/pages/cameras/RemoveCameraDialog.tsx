import { useState } from 'react';
import type { Camera } from '../../../../common/contract/index.js';
import { useCameras } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';

/**
 * Confirms removing a camera and asks what happens to its recordings. Only keeping them is possible until the
 * storage issue (4) brings deletion, and the dialog says so rather than hiding the choice.
 */
export function RemoveCameraDialog({ camera, onClose }: { camera: Camera; onClose: () => void }) {
  const remove = useCameras((state) => state.remove);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await remove(camera.id);
      onClose();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : 'The camera could not be removed.');
      setBusy(false);
    }
  }

  return (
    <Modal title="Remove camera" onClose={onClose} testId="remove-camera-dialog">
      <p className="modal__text">
        Remove <strong className="camera-name">{camera.name}</strong>? It stops recording and leaves the list.
      </p>
      <fieldset className="choices">
        <legend>Its recordings</legend>
        <label className="choice">
          <input type="radio" name="recordings" value="keep" checked readOnly />
          <span>
            Keep recordings
            <span className="choice__note">They stay on disk and in playback.</span>
          </span>
        </label>
        <label className="choice choice--disabled">
          <input type="radio" name="recordings" value="delete" disabled />
          <span>
            Delete recordings
            <span className="choice__note">arrives with the storage issue</span>
          </span>
        </label>
      </fieldset>
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
          {busy ? 'Removing…' : 'Remove camera'}
        </button>
      </div>
    </Modal>
  );
}
