import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Camera } from '../../../../common/contract/index.js';
import { useCameras, useTransport } from '../../app-context.js';
import { SPEEDS, type Speed } from '../../playback/clock.js';
import { MAX_PLAYERS, SyncGroup, type TileSnapshot } from '../../playback/sync-group.js';
import { MARKER_PRE_ROLL_MS, Timeline } from './timeline/Timeline.js';
import type { EventMarker } from './timeline/use-event-markers.js';
import { playbackTarget } from '../../routes.js';

const SELECTION_KEY = 'omnisight.playback.cameras';

function loadSelection(): string[] {
  try {
    const stored: unknown = JSON.parse(window.localStorage.getItem(SELECTION_KEY) ?? 'null');
    if (Array.isArray(stored)) return stored.filter((id): id is string => typeof id === 'string').slice(0, 4);
  } catch {
    // A damaged value: start with nothing chosen.
  }
  return [];
}

function saveSelection(ids: readonly string[]): void {
  try {
    window.localStorage.setItem(SELECTION_KEY, JSON.stringify(ids));
  } catch {
    // Storage full or disabled: the choice lasts for this visit only.
  }
}

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 1,
  hour12: false,
  timeZoneName: 'short',
});

function speedLabel(speed: number): string {
  return `${speed}×`;
}

function overlayText(tile: TileSnapshot | undefined): string | null {
  switch (tile?.status) {
    case undefined:
    case 'loading':
      return 'Loading…';
    case 'gap':
      return 'No footage at this time';
    case 'end':
      return 'No footage at this time (nothing recorded after it yet)';
    case 'error':
      return tile.problem ?? 'The recordings of this camera cannot play';
    case 'ready':
      return null;
  }
}

function PlaybackTile({
  camera,
  group,
  tile,
}: {
  camera: Camera;
  group: SyncGroup;
  tile: TileSnapshot | undefined;
}) {
  const videoRef = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = videoRef.current;
    if (video === null) return;
    return group.add(camera.id, video);
  }, [group, camera.id]);
  const overlay = overlayText(tile);
  return (
    <div
      className="playback-tile"
      data-testid="playback-tile"
      data-camera-id={camera.id}
      data-state={tile?.status ?? 'loading'}
      data-origin={tile?.origin}
    >
      <video ref={videoRef} className="playback-tile__video" playsInline muted />
      <span className="playback-tile__name">{camera.name}</span>
      {overlay === null ? null : (
        <p className="playback-tile__overlay" data-testid="playback-overlay">
          {overlay}
        </p>
      )}
      {tile === undefined || tile.notices.length === 0 ? null : (
        <ul className="playback-tile__notices" role="status">
          {tile.notices.map((notice) => (
            <li
              key={`${notice.at}-${notice.text}`}
              className="playback-tile__notice"
              data-testid="playback-notice"
            >
              {notice.text}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Recorded playback: up to four cameras in sync, the controls, the position and the timeline. "Previous event"
 * and "Next event" step through the detection events the timeline shows, each from its pre-roll.
 */
export function PlaybackPage() {
  const transport = useTransport();
  const cameras = useCameras((state) => state.cameras);
  const group = useMemo(() => new SyncGroup(transport), [transport]);
  useEffect(() => () => group.destroy(), [group]);
  const snapshot = useSyncExternalStore(group.subscribe, group.getSnapshot);
  const [markers, setMarkers] = useState<readonly EventMarker[]>([]);

  const [stored, setStored] = useState<string[]>(() => {
    // "Play" on the Events page (`#/playback?camera=…&at=…`): that camera first.
    const target = playbackTarget(window.location.hash);
    const saved = loadSelection();
    return target === null
      ? saved
      : [target.cameraId, ...saved.filter((other) => other !== target.cameraId)].slice(0, MAX_PLAYERS);
  });
  const selected = useMemo(
    () => stored.filter((id) => cameras.some((camera) => camera.id === id)).slice(0, MAX_PLAYERS),
    [stored, cameras],
  );
  const selectedCameras = useMemo(
    () => selected.flatMap((id) => cameras.filter((camera) => camera.id === id)),
    [selected, cameras],
  );
  const timelineCameras = useMemo(
    () => (selectedCameras.length > 0 ? selectedCameras : cameras).map(({ id, name }) => ({ id, name })),
    [selectedCameras, cameras],
  );
  // The chosen cameras' events, each at its pre-roll (where its marker and the Events page play from).
  const events = useMemo(
    () =>
      markers
        .filter((marker) => selected.includes(marker.cameraId))
        .map((marker) => Math.max(0, marker.startTime - MARKER_PRE_ROLL_MS)),
    [markers, selected],
  );

  const choose = (ids: string[]) => {
    setStored(ids);
    saveSelection(ids);
  };
  const toggleCamera = (id: string, on: boolean) => {
    choose(
      on
        ? [...selected.filter((other) => other !== id), id].slice(0, MAX_PLAYERS)
        : selected.filter((other) => other !== id),
    );
  };

  // ... and its time, once the camera list is in.
  const appliedTarget = useRef<string | null>(null);
  useEffect(() => {
    const hash = window.location.hash;
    const target = playbackTarget(hash);
    if (target === null || appliedTarget.current === hash) return;
    if (!cameras.some((camera) => camera.id === target.cameraId)) return;
    appliedTarget.current = hash;
    saveSelection(stored);
    void group.seek(target.at, { play: true });
  }, [cameras, group, stored]);

  const onSeek = (time: number, cameraId: string | null) => {
    // A band of a camera not playing yet: add it when there is room.
    if (cameraId !== null && !selected.includes(cameraId) && selected.length < MAX_PLAYERS)
      choose([...selected, cameraId]);
    void group.seek(time, { play: true });
  };

  const none = selectedCameras.length === 0;
  const wallIso = new Date(snapshot.wall).toISOString();

  return (
    <section className="page playback-page" aria-labelledby="playback-title">
      <header className="page__header">
        <h1 id="playback-title">Playback</h1>
      </header>

      {cameras.length === 0 ? (
        <div className="empty" data-testid="playback-no-cameras">
          <p>No cameras yet.</p>
          <p>Add a camera (or a demo camera) on the Cameras page; its recordings play here.</p>
        </div>
      ) : (
        <fieldset className="playback-cameras">
          <legend>
            Cameras <span className="muted">(up to {MAX_PLAYERS}, in sync)</span>
          </legend>
          {cameras.map((camera) => {
            const checked = selected.includes(camera.id);
            return (
              <label key={camera.id} className="playback-cameras__item">
                <input
                  type="checkbox"
                  data-testid="playback-camera"
                  data-camera-id={camera.id}
                  checked={checked}
                  disabled={!checked && selected.length >= MAX_PLAYERS}
                  onChange={(event) => toggleCamera(camera.id, event.target.checked)}
                />
                {camera.name}
              </label>
            );
          })}
        </fieldset>
      )}

      {none ? (
        cameras.length === 0 ? null : (
          <p className="playback-hint muted" data-testid="playback-hint">
            Choose up to four cameras to play their recordings side by side.
          </p>
        )
      ) : (
        <div className={`playback-grid playback-grid--${selectedCameras.length}`} data-testid="playback-grid">
          {selectedCameras.map((camera) => (
            <PlaybackTile key={camera.id} camera={camera} group={group} tile={snapshot.tiles[camera.id]} />
          ))}
        </div>
      )}

      <div className="playback-controls" role="toolbar" aria-label="Playback controls">
        <button
          type="button"
          className="button button--small"
          data-testid="prev-segment"
          title="Previous segment"
          onClick={() => void group.previousSegment()}
          disabled={none}
        >
          ◀ Segment
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="back-10"
          title="Back 10 seconds"
          onClick={() => void group.skip(-10_000)}
          disabled={none}
        >
          −10 s
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="step-back"
          title="Previous frame"
          aria-label="Previous frame"
          onClick={() => group.step(-1)}
          disabled={none}
        >
          ◀❙
        </button>
        <button
          type="button"
          className="button button--primary playback-controls__play"
          data-testid="play-pause"
          data-playing={snapshot.playing}
          onClick={() => group.toggle()}
          disabled={none}
        >
          {snapshot.playing ? 'Pause' : 'Play'}
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="step-forward"
          title="Next frame"
          aria-label="Next frame"
          onClick={() => group.step(1)}
          disabled={none}
        >
          ❙▶
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="forward-10"
          title="Forward 10 seconds"
          onClick={() => void group.skip(10_000)}
          disabled={none}
        >
          +10 s
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="next-segment"
          title="Next segment"
          onClick={() => void group.nextSegment()}
          disabled={none}
        >
          Segment ▶
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="prev-event"
          title={events.length === 0 ? 'No events in view (detection marks them)' : 'Previous event'}
          onClick={() => void group.previousEvent(events)}
          disabled={none || events.length === 0}
        >
          ◀ Event
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid="next-event"
          title={events.length === 0 ? 'No events in view (detection marks them)' : 'Next event'}
          onClick={() => void group.nextEvent(events)}
          disabled={none || events.length === 0}
        >
          Event ▶
        </button>
        <label className="playback-controls__speed">
          Speed
          <select
            data-testid="speed"
            value={snapshot.speed}
            onChange={(event) => group.setSpeed(Number(event.target.value) as Speed)}
          >
            {SPEEDS.map((speed) => (
              <option key={speed} value={speed}>
                {speedLabel(speed)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button button--small"
          data-testid="mute"
          aria-pressed={!snapshot.muted}
          disabled={none || snapshot.speed > 2}
          title={snapshot.speed > 2 ? 'Sound is off above 2×' : undefined}
          onClick={() => group.setMuted(!snapshot.muted)}
        >
          {snapshot.muted ? 'Sound off' : 'Sound on'}
        </button>
        <time
          className="playback-time"
          data-testid="playback-time"
          data-time={snapshot.wall}
          dateTime={wallIso}
        >
          {TIME_FORMAT.format(snapshot.wall)}
        </time>
        {snapshot.waiting ? (
          <span className="playback-controls__waiting muted" data-testid="playback-waiting">
            Loading footage…
          </span>
        ) : null}
      </div>

      <Timeline
        cameras={timelineCameras}
        cursor={none ? null : snapshot.wall}
        onSeek={onSeek}
        onMarkersChange={setMarkers}
      />
    </section>
  );
}
