import { useEffect, useId, useState } from 'react';
import type { DetectionEvent } from '../../../../common/contract/index.js';
import { useCameras, useTransport } from '../../app-context.js';
import { Modal } from '../../components/Modal.js';
import { formatSpan } from '../../format.js';
import {
  DEFAULT_FILTER,
  LABELS,
  SCORES,
  TIME_RANGES,
  listInputOf,
  matchesFilter,
  mergeEvent,
  playbackHref,
  snapshotUrl,
  type EventsFilter,
  type TimeRangeId,
} from './events-filter.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type ListState =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; events: DetectionEvent[] };

/** The snapshot large, with the object's box drawn over it (never burnt into the file). */
function SnapshotDialog({
  event,
  cameraName,
  onClose,
}: {
  event: DetectionEvent;
  cameraName: string;
  onClose: () => void;
}) {
  const { box } = event;
  return (
    <Modal title={`${event.label} on ${cameraName}`} onClose={onClose} testId="event-snapshot" wide>
      <div className="event-snapshot">
        <img
          src={snapshotUrl(event, 'snapshot')}
          alt={`${event.label} at ${timeFormat.format(event.bestTime)}`}
        />
        <div
          className="event-snapshot__box"
          data-testid="event-box"
          style={{
            left: `${box.x * 100}%`,
            top: `${box.y * 100}%`,
            width: `${box.width * 100}%`,
            height: `${box.height * 100}%`,
          }}
        >
          <span>
            {event.label} {Math.round(event.score * 100)} %
          </span>
        </div>
      </div>
      <div className="form__actions">
        <a className="button button--primary" href={playbackHref(event)}>
          Play from {timeFormat.format(Math.max(0, event.startTime - 5_000))}
        </a>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

/**
 * Events: what the detector saw, newest first, with thumbnails, live as events start, change and end;
 * filters by camera, label, zone, time range and score; "Play" opens playback 5 s before the start.
 */
export function EventsPage() {
  const transport = useTransport();
  const cameras = useCameras((state) => state.cameras);
  const id = useId();
  const [filter, setFilter] = useState<EventsFilter>(DEFAULT_FILTER);
  const [state, setState] = useState<ListState>({ kind: 'loading' });
  const [open, setOpen] = useState<DetectionEvent | null>(null);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('events.list', listInputOf(filter, Date.now())).then(
      (events) => {
        if (!cancelled) setState({ kind: 'ready', events });
      },
      (error: unknown) => {
        if (!cancelled) setState({ kind: 'failed', message: messageOf(error) });
      },
    );
    const onEvent = (event: DetectionEvent) => {
      if (!matchesFilter(event, filter, Date.now())) return;
      setState((current) =>
        current.kind === 'ready' ? { kind: 'ready', events: mergeEvent(current.events, event) } : current,
      );
    };
    const unsubscribers = (['events.created', 'events.updated', 'events.ended'] as const).map((name) =>
      transport.subscribe(name, onEvent),
    );
    return () => {
      cancelled = true;
      for (const unsubscribe of unsubscribers) unsubscribe();
    };
  }, [transport, filter]);

  const nameOf = (cameraId: string) => cameras.find((camera) => camera.id === cameraId)?.name ?? cameraId;
  const change = <K extends keyof EventsFilter>(key: K, value: EventsFilter[K]) =>
    setFilter((current) => ({ ...current, [key]: value }));

  return (
    <section className="page page--wide" aria-labelledby="events-title">
      <header className="page__header">
        <h1 id="events-title">Events</h1>
      </header>
      <form
        className="events-filters"
        role="search"
        aria-label="Filter events"
        onSubmit={(event) => event.preventDefault()}
      >
        <label htmlFor={`${id}-camera`}>Camera</label>
        <select
          id={`${id}-camera`}
          value={filter.cameraId}
          onChange={(event) => change('cameraId', event.target.value)}
        >
          <option value="">All cameras</option>
          {cameras.map((camera) => (
            <option key={camera.id} value={camera.id}>
              {camera.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-label`}>Object</label>
        <select
          id={`${id}-label`}
          value={filter.label}
          onChange={(event) => change('label', event.target.value)}
        >
          <option value="">Any object</option>
          {LABELS.map((label) => (
            <option key={label} value={label}>
              {label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-zone`}>Zone</label>
        <input
          id={`${id}-zone`}
          type="text"
          value={filter.zone}
          placeholder="Any zone"
          maxLength={64}
          onChange={(event) => change('zone', event.target.value)}
        />
        <label htmlFor={`${id}-range`}>When</label>
        <select
          id={`${id}-range`}
          value={filter.range}
          onChange={(event) => change('range', event.target.value as TimeRangeId)}
        >
          {TIME_RANGES.map((range) => (
            <option key={range.id} value={range.id}>
              {range.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-score`}>Score</label>
        <select
          id={`${id}-score`}
          value={String(filter.minScore)}
          onChange={(event) => change('minScore', Number(event.target.value))}
        >
          {SCORES.map((score) => (
            <option key={score.id} value={String(score.value)}>
              {score.label}
            </option>
          ))}
        </select>
      </form>

      {state.kind === 'loading' && <p className="muted">Loading events…</p>}
      {state.kind === 'failed' && (
        <p className="field__error" role="alert">
          Events could not be loaded: {state.message}
        </p>
      )}
      {state.kind === 'ready' && state.events.length === 0 && (
        <div className="empty" data-testid="events-empty">
          <p>
            No events match. Events appear when a camera with object detection sees a person, vehicle or pet.
          </p>
        </div>
      )}
      {state.kind === 'ready' && state.events.length > 0 && (
        <ul className="events-list" data-testid="events-list">
          {state.events.map((event) => (
            <li
              key={event.id}
              className="event-card"
              data-testid="event"
              data-event-id={event.id}
              data-label={event.label}
            >
              <button
                type="button"
                className="event-card__thumb"
                onClick={() => setOpen(event)}
                aria-label={`Show the snapshot of ${event.label} on ${nameOf(event.cameraId)}`}
              >
                {event.hasSnapshot ? (
                  <img src={snapshotUrl(event, 'thumbnail')} alt="" loading="lazy" />
                ) : (
                  <span className="muted">No snapshot yet</span>
                )}
              </button>
              <div className="event-card__text">
                <strong className="event-card__label">{event.label}</strong>{' '}
                <span className="muted">{Math.round(event.score * 100)} %</span>
                <div>{nameOf(event.cameraId)}</div>
                <div className="muted">
                  {timeFormat.format(event.startTime)} ·{' '}
                  {event.endTime === null ? (
                    <span className="badge badge--pending">ongoing</span>
                  ) : (
                    formatSpan(event.endTime - event.startTime)
                  )}
                </div>
                {event.zones.length > 0 && <div className="muted">Zones: {event.zones.join(', ')}</div>}
              </div>
              <a className="button button--small" href={playbackHref(event)} data-testid="event-play">
                Play
              </a>
            </li>
          ))}
        </ul>
      )}
      {open !== null && (
        <SnapshotDialog event={open} cameraName={nameOf(open.cameraId)} onClose={() => setOpen(null)} />
      )}
    </section>
  );
}
