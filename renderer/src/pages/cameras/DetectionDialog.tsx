import { useEffect, useId, useState, type MouseEvent, type SyntheticEvent } from 'react';
import type { Camera, CameraSnapshot, DetectionSettings } from '../../../../common/contract/index.js';
import { useTransport } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';
import {
  addPoint,
  canAdd,
  effective,
  errorsOf,
  finish,
  finishProblem,
  formOf,
  inputOf,
  labelAnchor,
  pointAt,
  svgPoints,
  type DetectionForm,
  type Drawing,
  type Switch,
} from './detection-form.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Load =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; settings: DetectionSettings; form: DetectionForm };

function SwitchField({
  label,
  value,
  onChange,
  inherited,
  testId,
}: {
  label: string;
  value: Switch;
  onChange: (value: Switch) => void;
  inherited: boolean;
  testId: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        onChange={(event) => onChange(event.target.value as Switch)}
      >
        <option value="inherit">As all cameras ({inherited ? 'on' : 'off'})</option>
        <option value="on">On</option>
        <option value="off">Off</option>
      </select>
    </div>
  );
}

/**
 * One camera's detection settings: motion and object detection on or off (or as all cameras), the motion
 * sensitivity, and masks (areas never looked at) and zones (named areas; "alert" ones restrict events to them)
 * drawn over a still of the camera. Checked as the engine checks them; saved in one call.
 */
export function DetectionDialog({ camera, onClose }: { camera: Camera; onClose: () => void }) {
  const transport = useTransport();
  const id = useId();
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [still, setStill] = useState<{ snapshot: CameraSnapshot } | { problem: string } | null>(null);
  const [drawing, setDrawing] = useState<Drawing | null>(null);
  const [drawProblem, setDrawProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [showErrors, setShowErrors] = useState(false);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('detection.settings.get', {}).then(
      (settings) => {
        if (!cancelled) setLoad({ kind: 'ready', settings, form: formOf(settings, camera.id) });
      },
      (error: unknown) => {
        if (!cancelled) setLoad({ kind: 'failed', message: messageOf(error) });
      },
    );
    transport.invoke('cameras.snapshot', { id: camera.id }).then(
      (snapshot) => {
        if (!cancelled) setStill({ snapshot });
      },
      (error: unknown) => {
        if (!cancelled) setStill({ problem: messageOf(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [transport, camera.id]);

  if (load.kind !== 'ready') {
    return (
      <Modal title={`Detection: ${camera.name}`} onClose={onClose} testId="detection-dialog" wide>
        {load.kind === 'loading' ? (
          <p className="muted">Loading the detection settings…</p>
        ) : (
          <p className="form__error" role="alert">
            The detection settings could not be loaded: {load.message}
          </p>
        )}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </Modal>
    );
  }

  const { settings, form } = load;
  const change = (next: DetectionForm) => setLoad({ kind: 'ready', settings, form: next });
  const errors = errorsOf(form);
  const updateZone = (key: number, patch: Partial<DetectionForm['zones'][number]>) =>
    change({
      ...form,
      zones: form.zones.map((other) => (other.key === key ? { ...other, ...patch } : other)),
    });
  const on = effective(form, settings);
  const shownError = (field: string) => (showErrors ? errors[field] : undefined);

  const onPicture = (event: MouseEvent<HTMLDivElement>) => {
    if (drawing === null) return;
    const box = event.currentTarget.getBoundingClientRect();
    setDrawing(addPoint(drawing, pointAt(box, event.clientX, event.clientY)));
    setDrawProblem(null);
  };
  const finishDrawing = () => {
    if (drawing === null) return;
    const problem = finishProblem(drawing);
    if (problem !== null) {
      setDrawProblem(problem);
      return;
    }
    change(finish(form, drawing));
    setDrawing(null);
    setDrawProblem(null);
  };
  const startDrawing = (kind: Drawing['kind']) => {
    setDrawing({ kind, points: [] });
    setDrawProblem(null);
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (Object.keys(errors).length > 0) {
      setShowErrors(true);
      return;
    }
    setSaving(true);
    setSaveError(null);
    try {
      await transport.invoke('detection.settings.set', { cameras: { [camera.id]: inputOf(form) } });
      onClose();
    } catch (error) {
      setSaveError(messageOf(error));
    } finally {
      setSaving(false);
    }
  };

  const snapshot = still !== null && 'snapshot' in still ? still.snapshot : null;
  const aspect = snapshot === null ? '16 / 9' : `${snapshot.width} / ${snapshot.height}`;

  return (
    <Modal title={`Detection: ${camera.name}`} onClose={onClose} testId="detection-dialog" wide>
      <form className="form detection-form" onSubmit={(event) => void save(event)} noValidate>
        <div className="detection-form__switches">
          <SwitchField
            label="Motion detection"
            testId="detection-motion"
            value={form.motion}
            inherited={settings.motion}
            onChange={(motion) => change({ ...form, motion })}
          />
          <SwitchField
            label="Object detection"
            testId="detection-objects"
            value={form.objects}
            inherited={settings.objects}
            onChange={(objects) => change({ ...form, objects })}
          />
          <div className="field">
            <label htmlFor={`${id}-sensitivity`}>Motion sensitivity: {form.sensitivity}</label>
            <input
              id={`${id}-sensitivity`}
              type="range"
              min={0}
              max={100}
              step={1}
              data-testid="detection-sensitivity"
              value={form.sensitivity}
              onChange={(event) => change({ ...form, sensitivity: Number(event.target.value) })}
            />
          </div>
        </div>
        <p className="muted" data-testid="detection-summary">
          {on.motion
            ? on.objects
              ? 'This camera looks for motion, then for people, vehicles and animals where it moved.'
              : 'This camera looks for motion only (no object events).'
            : 'Detection is off for this camera.'}
        </p>

        <div className="detection-editor">
          <div
            className={
              drawing === null
                ? 'detection-editor__picture'
                : 'detection-editor__picture detection-editor__picture--drawing'
            }
            data-testid="detection-picture"
            style={{ aspectRatio: aspect }}
            onClick={onPicture}
          >
            {snapshot === null ? null : (
              <img
                src={snapshot.image}
                alt={`${camera.name} at ${timeFormat.format(snapshot.time)}`}
                draggable={false}
              />
            )}
            <svg viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">
              {form.masks.map((mask) => (
                <polygon
                  key={mask.key}
                  className="detection-shape detection-shape--mask"
                  points={svgPoints(mask.polygon)}
                />
              ))}
              {form.zones.map((zone) => (
                <polygon
                  key={zone.key}
                  className={
                    zone.alert
                      ? 'detection-shape detection-shape--alert'
                      : 'detection-shape detection-shape--zone'
                  }
                  points={svgPoints(zone.polygon)}
                />
              ))}
              {drawing === null ? null : (
                <polyline
                  className="detection-shape detection-shape--drawing"
                  points={svgPoints(drawing.points)}
                />
              )}
            </svg>
            {form.zones.map((zone) => (
              <span key={zone.key} className="detection-editor__label" style={labelAnchor(zone.polygon)}>
                {zone.name}
              </span>
            ))}
            {drawing?.points.map(([x, y], index) => (
              <span
                key={index}
                className="detection-editor__corner"
                data-testid="detection-corner"
                style={{ left: `${x * 100}%`, top: `${y * 100}%` }}
              />
            ))}
          </div>
          {still === null ? <p className="muted">Loading a still of the camera…</p> : null}
          {still !== null && 'problem' in still ? (
            <p className="muted" data-testid="detection-still-problem">
              No picture to draw on: {still.problem} Shapes can still be drawn on the blank frame.
            </p>
          ) : null}
          {snapshot === null ? null : <p className="muted">Recorded {timeFormat.format(snapshot.time)}.</p>}
        </div>

        {drawing === null ? (
          <div className="form__actions form__actions--start">
            <button
              type="button"
              className="button"
              data-testid="draw-mask"
              disabled={!canAdd(form, 'mask')}
              onClick={() => startDrawing('mask')}
            >
              Draw a mask
            </button>
            <button
              type="button"
              className="button"
              data-testid="draw-zone"
              disabled={!canAdd(form, 'zone')}
              onClick={() => startDrawing('zone')}
            >
              Draw a zone
            </button>
          </div>
        ) : (
          <div className="detection-drawing" role="group" aria-label={`Drawing a ${drawing.kind}`}>
            <p data-testid="drawing-hint">
              Drawing a {drawing.kind}: click its corners on the picture ({drawing.points.length} so far),
              then finish.
            </p>
            <div className="form__actions form__actions--start">
              <button
                type="button"
                className="button button--primary"
                data-testid="drawing-finish"
                onClick={finishDrawing}
              >
                Finish the {drawing.kind}
              </button>
              <button
                type="button"
                className="button"
                data-testid="drawing-undo"
                disabled={drawing.points.length === 0}
                onClick={() => setDrawing({ ...drawing, points: drawing.points.slice(0, -1) })}
              >
                Undo last corner
              </button>
              <button
                type="button"
                className="button"
                data-testid="drawing-cancel"
                onClick={() => setDrawing(null)}
              >
                Cancel
              </button>
            </div>
            {drawProblem === null ? null : (
              <p className="form__error" role="alert" data-testid="drawing-problem">
                {drawProblem}
              </p>
            )}
          </div>
        )}

        <fieldset className="detection-list">
          <legend>Masks: never looked at ({form.masks.length})</legend>
          {form.masks.length === 0 ? <p className="muted">None: the whole picture is watched.</p> : null}
          <ul>
            {form.masks.map((mask, index) => (
              <li key={mask.key} data-testid="detection-mask">
                <span>Mask {index + 1}</span>
                <span className="muted">{mask.polygon.length} corners</span>
                <button
                  type="button"
                  className="button button--small button--danger-quiet"
                  aria-label={`Remove mask ${index + 1}`}
                  onClick={() =>
                    change({ ...form, masks: form.masks.filter((other) => other.key !== mask.key) })
                  }
                >
                  Remove
                </button>
                {shownError(`masks.${index}`) === undefined ? null : (
                  <span className="field__error">{shownError(`masks.${index}`)}</span>
                )}
              </li>
            ))}
          </ul>
        </fieldset>

        <fieldset className="detection-list">
          <legend>Zones ({form.zones.length})</legend>
          {form.zones.length === 0 ? (
            <p className="muted">None: objects anywhere in view make events.</p>
          ) : null}
          <ul>
            {form.zones.map((zone, index) => {
              const nameError = shownError(`zones.${index}.name`);
              return (
                <li key={zone.key} data-testid="detection-zone">
                  <input
                    type="text"
                    aria-label={`Name of zone ${index + 1}`}
                    data-testid="zone-name"
                    value={zone.name}
                    maxLength={64}
                    aria-invalid={nameError !== undefined}
                    onChange={(event) => updateZone(zone.key, { name: event.target.value })}
                  />
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      data-testid="zone-alert"
                      checked={zone.alert}
                      onChange={(event) => updateZone(zone.key, { alert: event.target.checked })}
                    />
                    Alert only here
                  </label>
                  <button
                    type="button"
                    className="button button--small button--danger-quiet"
                    aria-label={`Remove zone ${zone.name}`}
                    onClick={() =>
                      change({ ...form, zones: form.zones.filter((other) => other.key !== zone.key) })
                    }
                  >
                    Remove
                  </button>
                  {nameError === undefined ? null : (
                    <span className="field__error" data-testid="zone-name-error">
                      {nameError}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
          {form.zones.some((zone) => zone.alert) ? (
            <p className="muted">Only objects standing in an alerting zone make events on this camera.</p>
          ) : null}
        </fieldset>

        {saveError === null ? null : (
          <p className="form__error" role="alert" data-testid="detection-save-error">
            Not saved: {saveError}
          </p>
        )}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button--primary"
            data-testid="detection-save"
            disabled={saving || drawing !== null}
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
