import { useEffect, useId, useRef, useState, type SubmitEvent } from 'react';
import type {
  DiscoveredCamera,
  OnvifConnectResult,
  OnvifDiscoverResult,
  OnvifProfile,
  StreamProbeResult,
} from '../../../../common/contract/index.js';
import { useCameras, useTransport } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';
import {
  addInputOf,
  EMPTY_FORM,
  errorsFromRemote,
  hasErrors,
  validateAdd,
  type FormErrors,
} from './camera-form.js';
import {
  describeProfile,
  deviceTitle,
  isH265,
  mergeDevices,
  newScanId,
  parseTargets,
  suggestedName,
  typedDevice,
} from './onvif-wizard.js';
import { StreamCheck } from './StreamCheck.js';

const SCAN_WINDOW_MS = 4_000;

type Connected = Extract<OnvifConnectResult, { ok: true }>;

interface ScanState {
  running: boolean;
  devices: DiscoveredCamera[];
  result: OnvifDiscoverResult | null;
  error: string | null;
}

const IDLE_SCAN: ScanState = { running: false, devices: [], result: null, error: null };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Step 1: WS-Discovery (and the addresses typed), devices listed as they answer. */
function ScanStep({
  scan,
  addresses,
  addressProblem,
  onAddresses,
  onScan,
  onChoose,
}: {
  scan: ScanState;
  addresses: string;
  addressProblem: string | null;
  onAddresses: (text: string) => void;
  onScan: () => void;
  onChoose: (device: DiscoveredCamera) => void;
}) {
  const id = useId();
  const { result } = scan;
  return (
    <div className="wizard" data-testid="onvif-scan">
      <p className="modal__text">
        Scans this computer&apos;s networks for ONVIF cameras (WS-Discovery). Nothing is sent to a camera
        until you choose it and sign in.
      </p>
      <div className={addressProblem === null ? 'field' : 'field field--invalid'}>
        <label htmlFor={`${id}-addresses`}>Also probe these addresses (optional)</label>
        <input
          id={`${id}-addresses`}
          type="text"
          value={addresses}
          onChange={(event) => onAddresses(event.target.value)}
          placeholder="192.168.2.10, 192.168.2.20-40"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={addressProblem !== null}
          aria-describedby={`${id}-addresses-hint`}
        />
        <p id={`${id}-addresses-hint`} className="field__hint">
          For cameras on another subnet, where the multicast scan does not reach.
        </p>
        {addressProblem === null ? null : (
          <p className="field__error" data-testid="scan-address-error">
            {addressProblem}
          </p>
        )}
      </div>
      <div className="form__test">
        <button
          type="button"
          className="button button--primary"
          onClick={onScan}
          disabled={scan.running || addressProblem !== null}
          data-testid="scan"
        >
          {scan.running ? `Scanning… (${SCAN_WINDOW_MS / 1000} s)` : result === null ? 'Scan' : 'Scan again'}
        </button>
      </div>
      {scan.error === null ? null : (
        <p className="form__error" role="alert" data-testid="scan-error">
          {scan.error}
        </p>
      )}
      {scan.devices.length === 0 ? null : (
        <div className="table-wrap">
          <table className="table table--compact" data-testid="onvif-devices">
            <thead>
              <tr>
                <th scope="col">Camera</th>
                <th scope="col">Address</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {scan.devices.map((device) => (
                <tr key={device.endpoint} data-testid="onvif-device" data-endpoint={device.endpoint}>
                  <td>
                    <div className="camera-name">{deviceTitle(device)}</div>
                    {device.name === null || device.name === deviceTitle(device) ? null : (
                      <div className="muted">{device.name}</div>
                    )}
                    {device.location === null ? null : <div className="muted">{device.location}</div>}
                  </td>
                  <td>
                    <code className="url">{device.address}</code>
                    {device.alreadyAdded ? (
                      <div>
                        <span className="badge badge--rest" data-testid="already-added">
                          Already added{device.addedAs === null ? '' : ` as ${device.addedAs}`}
                        </span>
                      </div>
                    ) : null}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button--small"
                      onClick={() => onChoose(device)}
                      aria-label={`Connect to ${deviceTitle(device)} at ${device.address}`}
                    >
                      Connect…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result === null || scan.running ? null : (
        <div className="muted" role="status" data-testid="scan-summary">
          <p>
            {result.devices.length === 0
              ? 'No camera answered. Check that it is powered, on this network and has ONVIF turned on (many cameras ship with it off), or type its address above.'
              : `Found ${plural(result.devices.length, 'camera', 'cameras')}.`}{' '}
            {result.duplicates + result.ignored === 0
              ? ''
              : `${plural(result.duplicates, 'repeated answer', 'repeated answers')} merged, ${plural(result.ignored, 'unreadable reply', 'unreadable replies')} ignored.`}
          </p>
          <p>
            Scanned from{' '}
            {result.interfaces.length === 0 ? 'no network interface' : result.interfaces.join(', ')}
            {result.unicastAddresses === 0
              ? ''
              : ` and ${plural(result.unicastAddresses, 'address', 'addresses')} directly`}
            .{result.sendErrors.length === 0 ? '' : ` Not sent: ${result.sendErrors.slice(0, 3).join('; ')}.`}
          </p>
        </div>
      )}
    </div>
  );
}

function ProfileTable({
  profiles,
  main,
  sub,
  onMain,
  onSub,
}: {
  profiles: OnvifProfile[];
  main: string | null;
  sub: string | null;
  onMain: (token: string) => void;
  onSub: (token: string | null) => void;
}) {
  const group = useId();
  return (
    <div className="table-wrap">
      <table className="table table--compact" data-testid="onvif-profiles">
        <thead>
          <tr>
            <th scope="col">Profile</th>
            <th scope="col">Stream</th>
            <th scope="col">Record</th>
            <th scope="col">Grid and detection</th>
          </tr>
        </thead>
        <tbody>
          {profiles.map((profile) => {
            const usable = profile.streamUrl !== null;
            return (
              <tr key={profile.token} data-testid="onvif-profile" data-token={profile.token}>
                <td>
                  <div>{profile.name}</div>
                  <div className="muted">{profile.service === 'media2' ? 'Media2' : 'Media'}</div>
                </td>
                <td>
                  <div>{describeProfile(profile)}</div>
                  {isH265(profile) ? (
                    <div className="muted">
                      Records; live view and playback need a browser that plays H.265
                    </div>
                  ) : null}
                  {usable ? (
                    <code className="url" title={profile.streamUrl ?? ''}>
                      {profile.streamUrl}
                    </code>
                  ) : (
                    <div className="text-bad">{profile.streamProblem}</div>
                  )}
                </td>
                <td>
                  <input
                    type="radio"
                    name={`${group}-main`}
                    checked={main === profile.token}
                    disabled={!usable}
                    onChange={() => onMain(profile.token)}
                    aria-label={`Record ${profile.name}`}
                  />
                </td>
                <td>
                  <input
                    type="radio"
                    name={`${group}-sub`}
                    checked={sub === profile.token}
                    disabled={!usable || main === profile.token}
                    onChange={() => onSub(profile.token)}
                    aria-label={`Use ${profile.name} for grid and detection`}
                  />
                </td>
              </tr>
            );
          })}
          <tr>
            <td colSpan={3} className="muted">
              No sub stream (the grid and detection use the recorded stream)
            </td>
            <td>
              <input
                type="radio"
                name={`${group}-sub`}
                checked={sub === null}
                onChange={() => onSub(null)}
                aria-label="No sub stream"
              />
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

interface OnvifWizardProps {
  onClose: () => void;
  /** A device URL the user typed (Add camera → Generic ONVIF): start at signing in to it, no scan. */
  xaddr?: string;
}

/**
 * "Find cameras": scan, choose a device, sign in and pick its streams, check them with ffprobe, save. Each step
 * keeps what the earlier ones found, so Back loses nothing.
 */
export function OnvifWizard({ onClose, xaddr }: OnvifWizardProps) {
  const transport = useTransport();
  const add = useCameras((state) => state.add);
  const savedCameras = useCameras((state) => state.cameras);
  const id = useId();
  const [addresses, setAddresses] = useState('');
  const [scan, setScan] = useState<ScanState>(IDLE_SCAN);
  const scanIdRef = useRef<string | null>(null);
  const [device, setDevice] = useState<DiscoveredCamera | null>(() =>
    xaddr === undefined ? null : typedDevice(xaddr, savedCameras),
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [connecting, setConnecting] = useState(false);
  const [connected, setConnected] = useState<Connected | null>(null);
  const [connectError, setConnectError] = useState<string | null>(null);
  const [main, setMain] = useState<string | null>(null);
  const [sub, setSub] = useState<string | null>(null);
  const [step, setStep] = useState<'scan' | 'signin' | 'check'>(xaddr === undefined ? 'scan' : 'signin');
  const [name, setName] = useState(() => (device === null ? '' : suggestedName(device)));
  const [probe, setProbe] = useState<StreamProbeResult | null>(null);
  const [probing, setProbing] = useState(false);
  const [probeError, setProbeError] = useState<string | null>(null);
  const [saveErrors, setSaveErrors] = useState<FormErrors>({});
  const [saving, setSaving] = useState(false);
  const mounted = useRef(true);
  const parsed = parseTargets(addresses);
  const addressProblem = 'problem' in parsed ? parsed.problem : null;

  useEffect(() => {
    mounted.current = true;
    const unsubscribe = transport.subscribe('onvif.discovered', (payload) => {
      if (payload.scanId !== scanIdRef.current) return;
      setScan((previous) => ({ ...previous, devices: mergeDevices(previous.devices, [payload.device]) }));
    });
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [transport]);

  async function runScan(): Promise<void> {
    if (scan.running || !('targets' in parsed)) return;
    const scanId = newScanId();
    scanIdRef.current = scanId;
    setScan({ running: true, devices: [], result: null, error: null });
    try {
      const result = await transport.invoke('onvif.discover', {
        scanId,
        unicast: parsed.targets,
        windowMs: SCAN_WINDOW_MS,
      });
      if (!mounted.current || scanIdRef.current !== scanId) return;
      setScan((previous) => ({
        ...previous,
        running: false,
        result,
        devices: mergeDevices(previous.devices, result.devices),
      }));
    } catch (error) {
      if (!mounted.current || scanIdRef.current !== scanId) return;
      setScan((previous) => ({ ...previous, running: false, error: messageOf(error) }));
    }
  }

  function choose(chosen: DiscoveredCamera): void {
    if (device?.endpoint !== chosen.endpoint) {
      setConnected(null);
      setConnectError(null);
      setProbe(null);
      setName(suggestedName(chosen));
    }
    setDevice(chosen);
    setStep('signin');
  }

  async function connect(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (device === null || connecting) return;
    setConnecting(true);
    setConnected(null);
    setConnectError(null);
    setProbe(null);
    try {
      const result = await transport.invoke('onvif.connect', { xaddr: device.xaddr, username, password });
      if (!mounted.current) return;
      if (result.ok) {
        setConnected(result);
        setMain(result.suggested.main);
        setSub(result.suggested.sub);
      } else {
        setConnectError(result.message);
      }
    } catch (error) {
      if (mounted.current) setConnectError(messageOf(error));
    } finally {
      if (mounted.current) setConnecting(false);
    }
  }

  const profileByToken = new Map((connected?.profiles ?? []).map((profile) => [profile.token, profile]));
  const mainUrl = main === null ? null : (profileByToken.get(main)?.streamUrl ?? null);
  const subUrl = sub === null ? null : (profileByToken.get(sub)?.streamUrl ?? null);

  async function check(): Promise<void> {
    if (mainUrl === null || probing) return;
    setProbing(true);
    setProbe(null);
    setProbeError(null);
    try {
      const result = await transport.invoke('streams.probe', {
        rtspUrl: mainUrl,
        subStreamUrl: subUrl,
        ...(username === '' ? {} : { username }),
        ...(password === '' ? {} : { password }),
      });
      if (mounted.current) setProbe(result);
    } catch (error) {
      if (mounted.current) setProbeError(messageOf(error));
    } finally {
      if (mounted.current) setProbing(false);
    }
  }

  function toCheck(): void {
    setStep('check');
    setSaveErrors({});
    void check();
  }

  async function save(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (mainUrl === null || saving) return;
    const input = {
      ...addInputOf({
        ...EMPTY_FORM,
        name,
        rtspUrl: mainUrl,
        subStreamUrl: subUrl ?? '',
        username,
        password,
      }),
      // Where PTZ commands go later: the device the user signed in to, and the profile that records.
      ...(device === null || main === null ? {} : { onvif: { xaddr: device.xaddr, profileToken: main } }),
    };
    const problems = validateAdd(input);
    setSaveErrors(problems);
    if (hasErrors(problems)) return;
    setSaving(true);
    try {
      await add(input);
      onClose();
    } catch (error) {
      if (!mounted.current) return;
      setSaveErrors(errorsFromRemote(error));
      setSaving(false);
    }
  }

  const title =
    step === 'scan' ? 'Find cameras' : step === 'signin' ? 'Sign in to the camera' : 'Check and add';
  return (
    <Modal title={title} onClose={onClose} testId="onvif-wizard" wide>
      <ol className="wizard__steps" aria-label="Steps">
        {(['scan', 'signin', 'check'] as const).map((entry, index) => (
          <li key={entry} aria-current={step === entry ? 'step' : undefined}>
            {index + 1}.{' '}
            {entry === 'scan' ? 'Scan' : entry === 'signin' ? 'Sign in and pick streams' : 'Check and add'}
          </li>
        ))}
      </ol>

      {step === 'scan' ? (
        <>
          <ScanStep
            scan={scan}
            addresses={addresses}
            addressProblem={addressProblem}
            onAddresses={setAddresses}
            onScan={() => void runScan()}
            onChoose={choose}
          />
          <div className="form__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      ) : null}

      {step === 'signin' && device !== null ? (
        <form
          className="form"
          noValidate
          onSubmit={(event) => void connect(event)}
          data-testid="onvif-signin"
        >
          <p className="modal__text">
            <strong>{deviceTitle(device)}</strong> at <code className="url">{device.xaddr}</code>
          </p>
          {device.alreadyAdded ? (
            <div className="notice notice--warning" role="status">
              <p>
                A camera on this address is already added
                {device.addedAs === null ? '' : ` (${device.addedAs})`}.
              </p>
            </div>
          ) : null}
          <div className="form__row">
            <div className="field">
              <label htmlFor={`${id}-user`}>Username</label>
              <input
                id={`${id}-user`}
                type="text"
                value={username}
                onChange={(event) => setUsername(event.target.value)}
                autoComplete="off"
                spellCheck={false}
                autoFocus
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-password`}>Password</label>
              <input
                id={`${id}-password`}
                type="password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                autoComplete="new-password"
              />
            </div>
          </div>
          <div className="form__test">
            <button type="submit" className="button" disabled={connecting} data-testid="onvif-connect">
              {connecting ? 'Signing in…' : connected === null ? 'Sign in' : 'Sign in again'}
            </button>
            <span className="field__hint">
              The camera&apos;s ONVIF account; it is also used for its streams.
            </span>
          </div>
          {connectError === null ? null : (
            <div className="notice notice--error" role="alert" data-testid="onvif-error">
              <p>{connectError}</p>
            </div>
          )}
          {connected === null ? null : (
            <>
              {connected.warnings.map((warning) => (
                <div
                  key={warning.code}
                  className="notice notice--warning"
                  role="status"
                  data-testid={`onvif-warning-${warning.code}`}
                >
                  <p>⚠ {warning.message}</p>
                </div>
              ))}
              <p className="muted" data-testid="onvif-information">
                Signed in (
                {connected.auth === 'http-digest'
                  ? 'HTTP digest'
                  : connected.auth === 'none'
                    ? 'no password'
                    : 'WS-Security'}
                ).{' '}
                {[connected.information.manufacturer, connected.information.model].filter(Boolean).join(' ')}
                {connected.information.firmwareVersion === null
                  ? ''
                  : `, firmware ${connected.information.firmwareVersion}`}
                . {plural(connected.profiles.length, 'profile', 'profiles')}; the suggested ones are chosen.
              </p>
              {connected.profiles.length === 0 ? (
                <p className="form__error" role="alert">
                  The camera lists no media profiles, so there is no stream to record.
                </p>
              ) : (
                <ProfileTable
                  profiles={connected.profiles}
                  main={main}
                  sub={sub}
                  onMain={(token) => {
                    setMain(token);
                    if (sub === token) setSub(null);
                  }}
                  onSub={setSub}
                />
              )}
            </>
          )}
          <div className="form__actions">
            <button type="button" className="button" onClick={() => setStep('scan')}>
              Back
            </button>
            <button
              type="button"
              className="button button--primary"
              disabled={connected === null || mainUrl === null}
              onClick={toCheck}
            >
              Next: check streams
            </button>
          </div>
        </form>
      ) : null}

      {step === 'check' && device !== null && mainUrl !== null ? (
        <form className="form" noValidate onSubmit={(event) => void save(event)} data-testid="onvif-check">
          <div className={saveErrors.name === undefined ? 'field' : 'field field--invalid'}>
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              type="text"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                setSaveErrors((previous) => ({ ...previous, name: undefined, form: undefined }));
              }}
              autoComplete="off"
            />
            {saveErrors.name === undefined ? null : (
              <p className="field__error" data-testid="field-error-name">
                {saveErrors.name}
              </p>
            )}
          </div>
          <div className="stream">
            <span className="stream__label">Main</span>
            <code className="url" data-testid="chosen-main">
              {mainUrl}
            </code>
          </div>
          <div className="stream">
            <span className="stream__label">Sub</span>
            {subUrl === null ? (
              <span className="muted">none</span>
            ) : (
              <code className="url" data-testid="chosen-sub">
                {subUrl}
              </code>
            )}
          </div>
          <div className="form__test">
            <button type="button" className="button" disabled={probing} onClick={() => void check()}>
              {probing ? 'Checking streams… (about 6 s)' : 'Check again'}
            </button>
          </div>
          {probeError === null ? null : (
            <p className="form__error" role="alert">
              The streams could not be checked: {probeError}
            </p>
          )}
          {probe === null ? null : <StreamCheck result={probe} />}
          {(Object.entries(saveErrors) as [string, string | undefined][])
            .filter(([field, message]) => field !== 'name' && message !== undefined)
            .map(([field, message]) => (
              <p key={field} className="form__error" role="alert" data-testid="form-error">
                {message}
              </p>
            ))}
          <div className="form__actions">
            <button type="button" className="button" onClick={() => setStep('signin')}>
              Back
            </button>
            <button type="submit" className="button button--primary" disabled={saving}>
              {saving ? 'Saving…' : 'Add camera'}
            </button>
          </div>
        </form>
      ) : null}
    </Modal>
  );
}
