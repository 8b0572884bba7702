import { useId, useState } from 'react';
import {
  CAMERA_TEMPLATES,
  templateHostProblem,
  templateUrls,
  type CameraTemplate,
} from '../../../../common/camera-templates.js';

interface VendorTemplateProps {
  /** Called with the URLs the template makes, whenever make, host, port or channel change and are valid. */
  onUrls: (urls: { rtspUrl: string; subStreamUrl: string }) => void;
}

/**
 * "Camera make": for a user who knows the camera's address but not its RTSP URL. Picking a make and typing the
 * host fills the URL fields below (which stay editable).
 */
export function VendorTemplate({ onUrls }: VendorTemplateProps) {
  const id = useId();
  const [templateId, setTemplateId] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('');
  const [channel, setChannel] = useState('1');
  const [problem, setProblem] = useState<string | null>(null);
  const template: CameraTemplate | undefined = CAMERA_TEMPLATES.find((entry) => entry.id === templateId);

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
            setTemplateId(event.target.value);
            apply({ templateId: event.target.value });
          }}
        >
          <option value="">I know the RTSP URL</option>
          {CAMERA_TEMPLATES.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.label}
            </option>
          ))}
        </select>
      </div>
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
