import { useEffect, useState, type SyntheticEvent } from 'react';
import { useTransport } from '../../app-context.js';
import { TextField } from '../../components/TextField.js';
import { errorsOf } from '../notifications/notifications-form.js';
import {
  globalFormOf,
  globalInputOf,
  validateGlobal,
  type DetectionGlobalForm,
  type LabelRow,
} from './detection-global-form.js';

/** The detection settings all cameras share; each camera's own are in its "Detection" dialog. */
export function DetectionSection() {
  const transport = useTransport();
  const [form, setForm] = useState<DetectionGlobalForm | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('detection.settings.get', {}).then(
      (loaded) => !cancelled && setForm(globalFormOf(loaded)),
      (error: unknown) => !cancelled && setLoadError(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [transport]);

  const title = (
    <h2 id="detection-title" className="section__title">
      Detection
    </h2>
  );
  if (loadError !== null || form === null) {
    return (
      <section className="section" aria-labelledby="detection-title">
        {title}
        {loadError === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <p className="text-bad">Detection settings are not available: {loadError}</p>
        )}
      </section>
    );
  }

  const change = (patch: Partial<DetectionGlobalForm>) => {
    setForm({ ...form, ...patch });
    setSaved(null);
  };
  const changeLabel = (label: LabelRow['label'], patch: Partial<LabelRow>) =>
    change({ labels: form.labels.map((row) => (row.label === label ? { ...row, ...patch } : row)) });

  async function submit(event: SyntheticEvent): Promise<void> {
    event.preventDefault();
    if (form === null || busy) return;
    const input = globalInputOf(form);
    const problems = validateGlobal(input);
    setErrors(problems);
    setSaved(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      setForm(globalFormOf(await transport.invoke('detection.settings.set', input)));
      setSaved('Saved. Cameras use the new settings at once.');
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="section" aria-labelledby="detection-title">
      {title}
      <form
        className="form detection-global"
        aria-label="Detection settings"
        noValidate
        onSubmit={(event) => void submit(event)}
      >
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="detection-motion-all"
            checked={form.motion}
            onChange={(event) => change({ motion: event.target.checked })}
          />{' '}
          Motion detection on every camera that does not say otherwise
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="detection-objects-all"
            checked={form.objects}
            onChange={(event) => change({ objects: event.target.checked })}
          />{' '}
          Object detection on the moving regions (people, vehicles, animals)
        </label>
        <div className="form__row">
          <TextField
            label="Frames per second"
            hint="Decoded for detection, 0.5 to 30 (5 is plenty)"
            testId="detection-fps"
            error={errors['fps']}
            value={form.fps}
            onChange={(value) => change({ fps: value })}
          />
          <TextField
            label="Width"
            hint="Pixels, even, 64 to 1920 (from the sub stream when there is one)"
            testId="detection-width"
            error={errors['width']}
            value={form.width}
            onChange={(value) => change({ width: value })}
          />
        </div>
        <div className="form__row">
          <TextField
            label="Frames to confirm"
            hint="An object must be seen this many times before it is an event"
            testId="detection-min-hits"
            error={errors['minHits']}
            value={form.minHits}
            onChange={(value) => change({ minHits: value })}
          />
          <TextField
            label="End after"
            hint="Seconds after the object left"
            testId="detection-end-after"
            error={errors['endAfterSeconds']}
            value={form.endAfterSeconds}
            onChange={(value) => change({ endAfterSeconds: value })}
          />
        </div>
        <fieldset>
          <legend>Labels that make events, and their minimum score</legend>
          {errors['labels'] === undefined ? null : (
            <p className="field__error" role="alert">
              {errors['labels']}
            </p>
          )}
          <div className="detection-labels">
            {form.labels.map((row) => (
              <div key={row.label} className="detection-label" data-testid={`label-${row.label}`}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={row.on}
                    onChange={(event) => changeLabel(row.label, { on: event.target.checked })}
                  />{' '}
                  {row.label}
                </label>
                <input
                  type="text"
                  inputMode="numeric"
                  aria-label={`Minimum score of ${row.label}, percent`}
                  value={row.minScore}
                  disabled={!row.on}
                  aria-invalid={errors[`labels.${row.label}`] !== undefined}
                  onChange={(event) => changeLabel(row.label, { minScore: event.target.value })}
                />
                <span className="muted">%</span>
                {errors[`labels.${row.label}`] === undefined ? null : (
                  <span className="field__error" role="alert">
                    {errors[`labels.${row.label}`]}
                  </span>
                )}
              </div>
            ))}
          </div>
        </fieldset>
        {errors['form'] === undefined ? null : (
          <p className="field__error" role="alert">
            {errors['form']}
          </p>
        )}
        <div className="form__actions">
          {saved === null ? null : (
            <span className="muted" role="status" data-testid="detection-saved">
              {saved}
            </span>
          )}
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save detection settings'}
          </button>
        </div>
      </form>
    </section>
  );
}
