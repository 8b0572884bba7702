import { useId, useState } from 'react';
import {
  CAMERA_TEMPLATES,
  GENERIC_ONVIF,
  onvifDeviceUrl,
  templateHostProblem,
  templateUrls,
  type CameraTemplate,
} from '../../../../common/camera-templates.js';

interface VendorTemplateProps {
  /** Called with the URLs the template makes, whenever make, host, port or channel change and are valid. */
  onUrls: (urls: { rtspUrl: string; subStreamUrl: string }) => void;
  /** Offers "Generic ONVIF": called with the device URL of the host typed, to sign in to it. */
  onOnvif?: (xaddr: string) => void;
}

/**
 * "Camera make": for a user who knows the camera's address but not its RTSP URL. Picking a make and typing the
 * host fills the URL fields below (which stay editable).
 */
export function VendorTemplate({ onUrls, onOnvif }: VendorTemplateProps) {
  const id = useId();
  const [templateId, setTemplateId] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('');
  const [channel, setChannel] = useState('1');
  const [problem, setProblem] = useState<string | null>(null);
  const template: CameraTemplate | undefined = CAMERA_TEMPLATES.find((entry) => entry.id === templateId);
  const onvif = templateId === GENERIC_ONVIF.id && onOnvif !== undefined;
  let onvifUrl: string | null = null;
  let onvifProblem: string | null = null;
  if (onvif && host.trim() !== '') {
    try {
      onvifUrl = onvifDeviceUrl({
        host,
        ...(port.trim() === '' ? {} : { port: Number(port) }),
      });
    } catch (error) {
      const message = (error as Error).message;
      onvifProblem = `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
    }
  }

  function apply(next: { templateId?: string; host?: string; port?: string; channel?: string }): void {
    const chosen = CAMERA_TEMPLATES.find((entry) => entry.id === (next.templateId ?? templateId));
    const nextHost = next.host ?? host;
    const nextPort = next.port ?? port;
    const nextChannel = next.channel ?? channel;
    if (chosen === undefined || nextHost.trim() === '') {
      setProblem(null);
      return;
    }
    const hostProblem = templateHostProblem(nextHost);
    if (hostProblem !== null) {
      setProblem(`Host ${hostProblem}`);
      return;
    }
    const portNumber = nextPort.trim() === '' ? chosen.port : Number(nextPort);
    const channelNumber = Number(nextChannel);
    try {
      const urls = templateUrls(chosen, { host: nextHost, port: portNumber, channel: channelNumber });
      setProblem(null);
      onUrls({ rtspUrl: urls.rtspUrl, subStreamUrl: urls.subStreamUrl ?? '' });
    } catch (error) {
      setProblem(`${(error as Error).message.charAt(0).toUpperCase()}${(error as Error).message.slice(1)}`);
    }
  }

  return (
    <fieldset className="template" data-testid="vendor-template">
      <div className="field">
        <label htmlFor={`${id}-make`}>Camera make</label>
        <select
          id={`${id}-make`}
          value={templateId}
          onChange={(event) => {
            const next = event.target.value;
            // The ONVIF (HTTP) port is not an RTSP port: switching to or from Generic ONVIF clears it.
            const portChanges = next === GENERIC_ONVIF.id || templateId === GENERIC_ONVIF.id;
            if (portChanges) setPort('');
            setTemplateId(next);
            apply({ templateId: next, ...(portChanges ? { port: '' } : {}) });
          }}
        >
          <option value="">I know the RTSP URL</option>
          {CAMERA_TEMPLATES.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.label}
            </option>
          ))}
          {onOnvif === undefined ? null : <option value={GENERIC_ONVIF.id}>{GENERIC_ONVIF.label}</option>}
        </select>
      </div>
      {onvif ? (
        <>
          <div className="form__row form__row--template">
            <div className="field">
              <label htmlFor={`${id}-host`}>Camera address</label>
              <input
                id={`${id}-host`}
                type="text"
                value={host}
                placeholder="192.168.1.64"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={onvifProblem !== null}
                onChange={(event) => setHost(event.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-port`}>ONVIF (HTTP) port</label>
              <input
                id={`${id}-port`}
                type="text"
                inputMode="numeric"
                value={port}
                placeholder={String(GENERIC_ONVIF.port)}
                autoComplete="off"
                onChange={(event) => setPort(event.target.value)}
              />
            </div>
          </div>
          {onvifProblem === null ? (
            <p className="field__hint">{GENERIC_ONVIF.note}</p>
          ) : (
            <p className="field__error" data-testid="template-error">
              {onvifProblem}
            </p>
          )}
          <div className="form__test">
            <button
              type="button"
              className="button"
              data-testid="template-onvif"
              disabled={onvifUrl === null}
              onClick={() => {
                if (onvifUrl !== null) onOnvif(onvifUrl);
              }}
            >
              Sign in with ONVIF…
            </button>
          </div>
        </>
      ) : null}
      {template === undefined ? null : (
        <>
          <div className="form__row form__row--template">
            <div className="field">
              <label htmlFor={`${id}-host`}>Camera address</label>
              <input
                id={`${id}-host`}
                type="text"
                value={host}
                placeholder="192.168.1.64"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={problem !== null}
                onChange={(event) => {
                  setHost(event.target.value);
                  apply({ host: event.target.value });
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-port`}>RTSP port</label>
              <input
                id={`${id}-port`}
                type="text"
                inputMode="numeric"
                value={port}
                placeholder={String(template.port)}
                autoComplete="off"
                onChange={(event) => {
                  setPort(event.target.value);
                  apply({ port: event.target.value });
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-channel`}>Channel</label>
              <input
                id={`${id}-channel`}
                type="text"
                inputMode="numeric"
                value={channel}
                autoComplete="off"
                onChange={(event) => {
                  setChannel(event.target.value);
                  apply({ channel: event.target.value });
                }}
              />
            </div>
          </div>
          {problem === null ? (
            <p className="field__hint">{template.note}</p>
          ) : (
            <p className="field__error" data-testid="template-error">
              {problem}
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
