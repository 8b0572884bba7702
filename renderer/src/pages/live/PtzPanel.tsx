import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type SubmitEvent,
} from 'react';
import type { Camera, PtzInfo, PtzPreset } from '../../../../common/contract/index.js';
import { useCan } from '../../access.js';
import { useTransport } from '../../app-context.js';
import {
  HOLD_MOVE_MS,
  HOLD_REPEAT_MS,
  PAD,
  SPEEDS,
  ZOOM_IN,
  ZOOM_OUT,
  directionOfKey,
  velocityOf,
  type Direction,
  type SpeedId,
} from './ptz-controls.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type InfoState = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; info: PtzInfo };

/**
 * Pan, tilt and zoom of one camera over its ONVIF device: hold a direction (button or key) to move, release
 * to stop; presets to go to and save. Each move carries a time limit the camera enforces, and a held control
 * sends it again every second, so a lost release stops the camera by itself within two seconds.
 */
export function PtzPanel({ camera }: { camera: Camera }) {
  const transport = useTransport();
  // Going to a preset is for anyone who may see the camera; saving one changes the camera, so admins only.
  const canSave = useCan()('ptz.setPreset');
  const [state, setState] = useState<InfoState>({ kind: 'loading' });
  const [speed, setSpeed] = useState<SpeedId>('normal');
  const [active, setActive] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preset, setPreset] = useState('');
  const [presetName, setPresetName] = useState('');
  const [saving, setSaving] = useState(false);
  const repeat = useRef<ReturnType<typeof setInterval> | null>(null);
  const moving = useRef(false);
  const mounted = useRef(true);

  const [reload, setReload] = useState(0);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('ptz.info', { id: camera.id }).then(
      (info) => {
        if (cancelled) return;
        setState({ kind: 'ready', info });
        if (info.supported) setPreset((current) => current || (info.presets[0]?.token ?? ''));
      },
      (failure: unknown) => {
        if (!cancelled) setState({ kind: 'failed', message: messageOf(failure) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [transport, camera.id, reload]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const stop = useCallback(() => {
    if (repeat.current !== null) clearInterval(repeat.current);
    repeat.current = null;
    setActive(null);
    if (!moving.current) return;
    moving.current = false;
    transport.invoke('ptz.stop', { id: camera.id }).catch((failure: unknown) => {
      if (mounted.current) setError(messageOf(failure));
    });
  }, [transport, camera.id]);

  // Leaving the page or closing the panel while a control is held stops the camera.
  useEffect(() => stop, [stop]);

  const info = state.kind === 'ready' ? state.info : null;
  const axes = info?.supported === true ? info : null;

  function start(id: string, direction: Direction) {
    if (axes === null) return;
    const velocity = velocityOf(direction, SPEEDS.find((entry) => entry.id === speed)?.value ?? 0.5, axes);
    if (velocity === null) return;
    if (repeat.current !== null) clearInterval(repeat.current);
    setActive(id);
    setError(null);
    moving.current = true;
    const send = () =>
      transport
        .invoke('ptz.move', { id: camera.id, ...velocity, timeoutMs: HOLD_MOVE_MS })
        .catch((failure: unknown) => {
          if (repeat.current !== null) clearInterval(repeat.current);
          repeat.current = null;
          moving.current = false;
          if (mounted.current) {
            setActive(null);
            setError(messageOf(failure));
          }
        });
    void send();
    repeat.current = setInterval(() => void send(), HOLD_REPEAT_MS);
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const target = event.target as HTMLElement;
    if (target.tagName === 'INPUT' || target.tagName === 'SELECT') return;
    const direction = directionOfKey(event.key);
    if (direction === null) return;
    event.preventDefault();
    if (!event.repeat) start(`key:${event.key}`, direction);
  }

  function onKeyUp(event: KeyboardEvent<HTMLDivElement>) {
    if (directionOfKey(event.key) !== null && active?.startsWith('key:') === true) stop();
  }

  async function goTo() {
    if (preset === '') return;
    setError(null);
    setNotice(null);
    try {
      await transport.invoke('ptz.gotoPreset', { id: camera.id, preset });
      const name = axes?.presets.find((entry) => entry.token === preset)?.name ?? preset;
      if (mounted.current) setNotice(`Moving to “${name}”.`);
    } catch (failure) {
      if (mounted.current) setError(messageOf(failure));
    }
  }

  async function save(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = presetName.trim();
    if (name === '' || saving || axes === null) return;
    // Saving under a name that exists moves that preset here, as camera menus do.
    const existing: PtzPreset | undefined = axes.presets.find((entry) => entry.name === name);
    setSaving(true);
    setError(null);
    setNotice(null);
    try {
      const result = await transport.invoke('ptz.setPreset', {
        id: camera.id,
        name,
        ...(existing === undefined ? {} : { preset: existing.token }),
      });
      if (!mounted.current) return;
      setPresetName('');
      setNotice(existing === undefined ? `Saved preset “${name}”.` : `Updated preset “${name}”.`);
      setPreset(result.preset.token);
      setReload((value) => value + 1);
    } catch (failure) {
      if (mounted.current) setError(messageOf(failure));
    } finally {
      if (mounted.current) setSaving(false);
    }
  }

  if (state.kind === 'loading') {
    return (
      <div className="ptz" data-testid="ptz-panel" data-state="loading">
        <p className="muted">Asking the camera about PTZ…</p>
      </div>
    );
  }
  if (state.kind === 'failed' || info === null || !info.supported) {
    return (
      <div className="ptz" data-testid="ptz-panel" data-state="unsupported">
        <p role="status" data-testid="ptz-unsupported">
          {state.kind === 'failed' ? state.message : info?.supported === false ? info.reason : ''}
        </p>
        <button type="button" className="live-tile__button" onClick={() => setReload((value) => value + 1)}>
          Ask again
        </button>
      </div>
    );
  }

  return (
    <div
      className="ptz"
      data-testid="ptz-panel"
      data-state="ready"
      data-active={active ?? ''}
      tabIndex={0}
      role="group"
      aria-label={`PTZ of ${camera.name}: hold an arrow key or button to move, + and - to zoom`}
      onKeyDown={onKeyDown}
      onKeyUp={onKeyUp}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) stop();
      }}
    >
      {info.panTilt && (
        <div className="ptz__pad" role="group" aria-label="Pan and tilt">
          {PAD.map(({ id, label, symbol, direction }) =>
            direction === null ? (
              <button
                key={id}
                type="button"
                className="ptz__button"
                data-testid="ptz-stop"
                aria-label="Stop"
                onClick={stop}
              >
                {symbol}
              </button>
            ) : (
              <HoldButton
                key={id}
                label={label}
                testId={`ptz-${id}`}
                active={active === id}
                onStart={() => start(id, direction)}
                onStop={stop}
              >
                {symbol}
              </HoldButton>
            ),
          )}
        </div>
      )}
      <div className="ptz__row">
        {info.zoom && (
          <span className="ptz__zoom" role="group" aria-label="Zoom">
            <HoldButton
              label="Zoom out"
              testId="ptz-zoom-out"
              active={active === 'zoom-out'}
              onStart={() => start('zoom-out', ZOOM_OUT)}
              onStop={stop}
            >
              −
            </HoldButton>
            <HoldButton
              label="Zoom in"
              testId="ptz-zoom-in"
              active={active === 'zoom-in'}
              onStart={() => start('zoom-in', ZOOM_IN)}
              onStop={stop}
            >
              +
            </HoldButton>
          </span>
        )}
        <label className="ptz__label">
          Speed
          <select
            value={speed}
            data-testid="ptz-speed"
            onChange={(event) => setSpeed(event.target.value as SpeedId)}
          >
            {SPEEDS.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="ptz__row">
        <label className="ptz__label">
          Preset
          <select
            value={preset}
            data-testid="ptz-preset"
            disabled={info.presets.length === 0}
            onChange={(event) => setPreset(event.target.value)}
          >
            {info.presets.length === 0 && <option value="">None saved</option>}
            {info.presets.map((entry) => (
              <option key={entry.token} value={entry.token}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="live-tile__button"
          data-testid="ptz-goto"
          disabled={preset === ''}
          onClick={() => void goTo()}
        >
          Go
        </button>
      </div>
      {canSave ? (
        <form className="ptz__row" onSubmit={(event) => void save(event)}>
          <input
            type="text"
            className="ptz__input"
            data-testid="ptz-preset-name"
            aria-label="Name of the preset to save here"
            placeholder="Save this view as…"
            maxLength={64}
            value={presetName}
            onChange={(event) => setPresetName(event.target.value)}
          />
          <button
            type="submit"
            className="live-tile__button"
            data-testid="ptz-save-preset"
            disabled={saving || presetName.trim() === ''}
          >
            Save
          </button>
        </form>
      ) : null}
      {error !== null && (
        <p className="ptz__error" role="alert" data-testid="ptz-error">
          {error}
        </p>
      )}
      {notice !== null && error === null && (
        <p className="ptz__notice" role="status" data-testid="ptz-notice">
          {notice}
        </p>
      )}
    </div>
  );
}

interface HoldButtonProps {
  label: string;
  testId: string;
  active: boolean;
  onStart: () => void;
  onStop: () => void;
  children: string;
}

/** Moves while pressed (pointer, or Enter / Space held), stops on release or when the pointer is lost. */
function HoldButton({ label, testId, active, onStart, onStop, children }: HoldButtonProps) {
  return (
    <button
      type="button"
      className={`ptz__button${active ? ' ptz__button--active' : ''}`}
      data-testid={testId}
      aria-label={label}
      aria-pressed={active}
      onPointerDown={(event: PointerEvent<HTMLButtonElement>) => {
        if (event.button !== 0) return;
        event.currentTarget.setPointerCapture(event.pointerId);
        onStart();
      }}
      onPointerUp={onStop}
      onPointerCancel={onStop}
      onLostPointerCapture={onStop}
      onKeyDown={(event: KeyboardEvent<HTMLButtonElement>) => {
        if ((event.key === 'Enter' || event.key === ' ') && !event.repeat) {
          event.preventDefault();
          event.stopPropagation();
          onStart();
        }
      }}
      onKeyUp={(event: KeyboardEvent<HTMLButtonElement>) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.stopPropagation();
          onStop();
        }
      }}
    >
      {children}
    </button>
  );
}
