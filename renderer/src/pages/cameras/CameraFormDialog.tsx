import { useId, useState, type ReactNode, type SubmitEvent } from 'react';
import {
  RECORD_MODES,
  RECORD_ROLL_SECONDS_MAX,
  SEGMENT_SECONDS_MAX,
  SEGMENT_SECONDS_MIN,
  type Camera,
  type RecordMode,
  type StreamProbeResult,
} from '../../../../common/contract/index.js';
import { useCameras, useTransport } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';
import { StreamCheck } from './StreamCheck.js';
import { VendorTemplate } from './VendorTemplate.js';
import {
  addInputOf,
  EMPTY_FORM,
  errorsFromRemote,
  FIELD_LABELS,
  formValuesOf,
  RECORD_MODE_LABELS,
  hasErrors,
  probeInputOf,
  updateInputOf,
  validateAdd,
  validateProbe,
  validateUpdate,
  type CameraField,
  type CameraFormValues,
  type FormErrors,
} from './camera-form.js';

function recordModeOf(value: string): RecordMode {
  return RECORD_MODES.find((mode) => mode === value) ?? 'continuous';
}

/** Fields that do not change what the stream check saw. */
const RECORDING_KEYS: ReadonlySet<keyof CameraFormValues> = new Set([
  'name',
  'enabled',
  'segmentSeconds',
  'recordMode',
  'preRollSeconds',
  'postRollSeconds',
]);

interface FieldProps {
  field: CameraField;
  error: string | undefined;
  hint?: string;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

/** A labelled control with its hint and its error message, wired for screen readers. */
function Field({ field, error, hint, children }: FieldProps) {
  const id = useId();
  const describedBy = [hint === undefined ? null : `${id}-hint`, error === undefined ? null : `${id}-error`]
    .filter((part) => part !== null)
    .join(' ');
  return (
    <div className={error === undefined ? 'field' : 'field field--invalid'}>
      <label htmlFor={id}>{FIELD_LABELS[field]}</label>
      {children({ id, 'aria-invalid': error !== undefined, 'aria-describedby': describedBy || undefined })}
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      {error === undefined ? null : (
        <p id={`${id}-error`} className="field__error" data-testid={`field-error-${field}`}>
          {error}
        </p>
      )}
    </div>
  );
}

interface CameraFormDialogProps {
  /** The camera to edit; absent to add one. */
  camera?: Camera;
  onClose: () => void;
  /** Generic ONVIF chosen with a host: continue in the ONVIF wizard, signing in to this device URL. */
  onOnvif?: (xaddr: string) => void;
}

/** Add or edit a camera. Fields are checked with the contract's schemas first, then by the engine. */
export function CameraFormDialog({ camera, onClose, onOnvif }: CameraFormDialogProps) {
  const add = useCameras((state) => state.add);
  const update = useCameras((state) => state.update);
  const [values, setValues] = useState<CameraFormValues>(() =>
    camera === undefined ? EMPTY_FORM : formValuesOf(camera),
  );
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const [probe, setProbe] = useState<StreamProbeResult | null>(null);
  const transport = useTransport();
  const editing = camera !== undefined;

  /** "Test connection": the engine probes the streams as typed, before anything is saved. */
  async function testConnection(): Promise<void> {
    if (testing) return;
    const input = probeInputOf(values);
    const problems = validateProbe(input);
    setErrors(problems);
    if (hasErrors(problems)) return;
    setTesting(true);
    setProbe(null);
    try {
      setProbe(await transport.invoke('streams.probe', input));
    } catch (error) {
      setErrors(errorsFromRemote(error));
    } finally {
      setTesting(false);
    }
  }

  function change<K extends keyof CameraFormValues>(key: K, value: CameraFormValues[K]): void {
    setValues((previous) => ({ ...previous, [key]: value }));
    // A result no longer describes what the fields say.
    if (!RECORDING_KEYS.has(key)) setProbe(null);
    // A field's message goes once the operator changes that field; the others stay until the next submit.
    const field = key === 'clearPassword' ? 'password' : key;
    setErrors((previous) => ({ ...previous, [field]: undefined, form: undefined }));
  }

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (busy) return;
    let problems: FormErrors;
    let save: () => Promise<unknown>;
    if (camera === undefined) {
      const input = addInputOf(values);
      problems = validateAdd(input);
      save = () => add(input);
    } else {
      const input = updateInputOf(camera, values);
      problems = validateUpdate(input);
      // Nothing changed: nothing to send.
      save = Object.keys(input).length === 1 ? () => Promise.resolve() : () => update(input);
    }
    setErrors(problems);
    if (hasErrors(problems)) return;
    setBusy(true);
    try {
      await save();
      onClose();
    } catch (error) {
      setErrors(errorsFromRemote(error));
      setBusy(false);
    }
  }

  const text =
    (field: 'name' | 'rtspUrl' | 'subStreamUrl' | 'username') =>
    (props: Parameters<FieldProps['children']>[0]) => (
      <input
        {...props}
        type="text"
        value={values[field]}
        onChange={(event) => change(field, event.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
    );

  return (
    <Modal title={editing ? 'Edit camera' : 'Add camera'} onClose={onClose} testId="camera-form">
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <Field field="name" error={errors.name}>
          {(props) => (
            <input
              {...props}
              type="text"
              value={values.name}
              onChange={(event) => change('name', event.target.value)}
              autoComplete="off"
              autoFocus
            />
          )}
        </Field>
        {editing ? null : (
          <VendorTemplate
            {...(onOnvif === undefined ? {} : { onOnvif })}
            onUrls={(urls) => {
              change('rtspUrl', urls.rtspUrl);
              change('subStreamUrl', urls.subStreamUrl);
            }}
          />
        )}
        <Field
          field="rtspUrl"
          error={errors.rtspUrl}
          hint="rtsp://host[:port]/path, the main (recording) stream"
        >
          {text('rtspUrl')}
        </Field>
        <Field
          field="subStreamUrl"
          error={errors.subStreamUrl}
          hint="Optional lower-resolution stream for the grid and detection"
        >
          {text('subStreamUrl')}
        </Field>
        <div className="form__row">
          <Field field="username" error={errors.username}>
            {text('username')}
          </Field>
          <Field
            field="password"
            error={errors.password}
            hint={editing && camera.hasPassword ? 'Leave empty to keep the current password' : undefined}
          >
            {(props) => (
              <input
                {...props}
                type="password"
                value={values.password}
                disabled={values.clearPassword}
                onChange={(event) => change('password', event.target.value)}
                autoComplete="new-password"
              />
            )}
          </Field>
        </div>
        {editing ? null : (
          <div className="form__test">
            <button
              type="button"
              className="button"
              disabled={testing}
              onClick={() => void testConnection()}
              data-testid="test-connection"
            >
              {testing ? 'Testing… (about 6 s)' : 'Test connection'}
            </button>
            <span className="field__hint">Checks the streams with ffprobe before you save.</span>
          </div>
        )}
        {probe === null ? null : <StreamCheck result={probe} />}
        {editing && camera.hasPassword ? (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.clearPassword}
              onChange={(event) => {
                change('clearPassword', event.target.checked);
                if (event.target.checked) change('password', '');
              }}
            />
            Clear password
          </label>
        ) : null}
        <div className="form__row">
          <Field
            field="segmentSeconds"
            error={errors.segmentSeconds}
            hint={`${SEGMENT_SECONDS_MIN} to ${SEGMENT_SECONDS_MAX} seconds, cut at a keyframe`}
          >
            {(props) => (
              <input
                {...props}
                type="text"
                inputMode="numeric"
                value={values.segmentSeconds}
                onChange={(event) => change('segmentSeconds', event.target.value)}
                autoComplete="off"
              />
            )}
          </Field>
          <Field field="rtspTransport" error={errors.rtspTransport} hint="TCP unless the camera needs UDP">
            {(props) => (
              <select
                {...props}
                value={values.rtspTransport}
                onChange={(event) => change('rtspTransport', event.target.value === 'udp' ? 'udp' : 'tcp')}
              >
                <option value="tcp">TCP (recommended)</option>
                <option value="udp">UDP</option>
              </select>
            )}
          </Field>
        </div>
        <Field
          field="recordMode"
          error={errors.recordMode}
          hint={
            values.recordMode === 'continuous'
              ? 'Every segment is kept until retention ages it out'
              : `Recorded continuously; segments no ${values.recordMode === 'motion' ? 'motion' : 'detected object'} touches are deleted after a minute. Kept whole while detection is off or not running.`
          }
        >
          {(props) => (
            <select
              {...props}
              value={values.recordMode}
              onChange={(event) => change('recordMode', recordModeOf(event.target.value))}
            >
              {RECORD_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {RECORD_MODE_LABELS[mode]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="form__row">
          {(['preRollSeconds', 'postRollSeconds'] as const).map((field) => (
            <Field
              key={field}
              field={field}
              error={errors[field]}
              hint={`Seconds kept ${field === 'preRollSeconds' ? 'before' : 'after'} (0 to ${RECORD_ROLL_SECONDS_MAX})`}
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  inputMode="numeric"
                  value={values[field]}
                  disabled={values.recordMode === 'continuous'}
                  onChange={(event) => change(field, event.target.value)}
                  autoComplete="off"
                />
              )}
            </Field>
          ))}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.enabled}
            onChange={(event) => change('enabled', event.target.checked)}
          />
          Enabled (record this camera)
        </label>
        {errors.enabled === undefined ? null : (
          <p className="field__error" data-testid="field-error-enabled">
            {errors.enabled}
          </p>
        )}
        {errors.form === undefined ? null : (
          <p className="form__error" role="alert" data-testid="form-error">
            {errors.form}
          </p>
        )}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Add camera'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
