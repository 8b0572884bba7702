import { useEffect, useRef, useState } from 'react';
import type { Camera } from '../../../../common/contract/index.js';
import { useTransport } from '../../app-context.js';
import { LivePlayer, type LivePlayerState } from '../../live/live-player.js';
import type { LiveStreamKind } from '../../transport/client-transport.js';
import { snapshotFileName } from './live-layout.js';
import { PtzPanel } from './PtzPanel.js';

/** The last frame seen of each camera (a JPEG blob URL), shown while a tile (re)connects. */
const lastFrames = new Map<string, string>();

function captureFrame(video: HTMLVideoElement): HTMLCanvasElement | null {
  if (video.videoWidth === 0 || video.videoHeight === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  if (context === null) return null;
  context.drawImage(video, 0, 0);
  return canvas;
}

function rememberFrame(cameraId: string, video: HTMLVideoElement): void {
  captureFrame(video)?.toBlob(
    (blob) => {
      if (blob === null) return;
      const previous = lastFrames.get(cameraId);
      if (previous !== undefined) URL.revokeObjectURL(previous);
      lastFrames.set(cameraId, URL.createObjectURL(blob));
    },
    'image/jpeg',
    0.8,
  );
}

/** What the overlay says, from the camera's recording state and the player's; null when the picture speaks. */
export function overlayText(camera: Camera, player: LivePlayerState): string | null {
  switch (camera.status) {
    case 'disabled':
      return 'Offline: this camera is turned off.';
    case 'auth_failed':
      return 'Offline: the camera refused the user name or password.';
    case 'error':
      return `Offline: ${camera.statusReason ?? 'the camera cannot be recorded.'}`;
    case 'reconnecting':
      return `Reconnecting (${camera.statusReason ?? 'the camera stopped answering'})`;
    case 'connecting':
      return 'Connecting…';
    case 'recording':
      break;
  }
  if (player.kind === 'connecting') return 'Connecting…';
  if (player.kind === 'unsupported' || player.kind === 'closed') return player.message;
  return null;
}

export interface LiveTileProps {
  camera: Camera;
  /** The grid shows one camera: use the main stream. */
  single: boolean;
}

/** One camera in the grid: the live picture, its state, and snapshot / sound / full-screen controls. */
export function LiveTile({ camera, single }: LiveTileProps) {
  const transport = useTransport();
  const tileRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const [player, setPlayer] = useState<LivePlayerState>({ kind: 'connecting' });
  const [fullScreen, setFullScreen] = useState(false);
  const [muted, setMuted] = useState(true);
  const [ptzOpen, setPtzOpen] = useState(false);
  const enlarged = single || fullScreen;
  // PTZ is offered on an enlarged picture of a camera added through ONVIF (its device is known).
  const ptzOffered = enlarged && camera.onvifLinked;
  const stream: LiveStreamKind = enlarged || camera.subStreamUrl === null ? 'main' : 'sub';
  const watching = camera.enabled;

  useEffect(() => {
    const video = videoRef.current;
    if (video === null || !watching) return undefined;
    setPlayer({ kind: 'connecting' });
    const live = new LivePlayer(video, transport, camera.id, stream, setPlayer);
    live.start();
    return () => {
      if (video.videoWidth > 0) rememberFrame(camera.id, video);
      live.stop();
    };
  }, [transport, camera.id, stream, watching]);

  useEffect(() => {
    const onChange = () => setFullScreen(document.fullscreenElement === tileRef.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  useEffect(() => {
    if (videoRef.current !== null) videoRef.current.muted = muted;
  }, [muted]);

  const overlay = overlayText(camera, player);
  const poster = lastFrames.get(camera.id);
  const playing = player.kind === 'playing';

  function toggleFullScreen() {
    const tile = tileRef.current;
    if (tile === null) return;
    if (document.fullscreenElement === tile) void document.exitFullscreen();
    else void tile.requestFullscreen().catch(() => undefined);
  }

  function saveSnapshot() {
    const video = videoRef.current;
    const canvas = video === null ? null : captureFrame(video);
    canvas?.toBlob(
      (blob) => {
        if (blob === null) return;
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = snapshotFileName(camera.name, new Date());
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
      'image/jpeg',
      0.92,
    );
  }

  return (
    <div
      ref={tileRef}
      className={`live-tile${fullScreen ? ' live-tile--full' : ''}`}
      data-testid="live-tile"
      data-camera-id={camera.id}
      data-state={
        overlay === null ? 'playing' : player.kind === 'unsupported' ? 'unsupported' : camera.status
      }
      data-stream={stream}
      onDoubleClick={toggleFullScreen}
    >
      {poster !== undefined && !playing && <img className="live-tile__poster" src={poster} alt="" />}
      <video
        ref={videoRef}
        className="live-tile__video"
        muted
        playsInline
        disablePictureInPicture
        aria-label={`Live view of ${camera.name}`}
      />
      {ptzOffered && ptzOpen && <PtzPanel camera={camera} />}
      {overlay !== null && (
        <div className="live-tile__overlay" data-testid="tile-overlay" role="status">
          {overlay}
        </div>
      )}
      <div className="live-tile__bar">
        <span className="live-tile__name">{camera.name}</span>
        <span className="live-tile__stream muted">{stream === 'sub' ? 'sub' : 'main'}</span>
        <span className="live-tile__actions">
          {ptzOffered && (
            <button
              type="button"
              className="live-tile__button"
              data-testid="tile-ptz"
              aria-pressed={ptzOpen}
              onClick={() => setPtzOpen((value) => !value)}
              title="Pan, tilt and zoom, and presets (arrow keys and + / - when the controls have the focus)"
            >
              PTZ
            </button>
          )}
          <button
            type="button"
            className="live-tile__button"
            data-testid="tile-snapshot"
            onClick={saveSnapshot}
            disabled={!playing}
            title="Save a snapshot (JPEG)"
          >
            Snapshot
          </button>
          <button
            type="button"
            className="live-tile__button"
            data-testid="tile-mute"
            aria-pressed={!muted}
            onClick={() => setMuted((value) => !value)}
            title={muted ? 'Turn sound on' : 'Turn sound off'}
          >
            {muted ? 'Sound off' : 'Sound on'}
          </button>
          <button
            type="button"
            className="live-tile__button"
            data-testid="tile-fullscreen"
            onClick={toggleFullScreen}
            title="Full screen (or double-click the picture)"
          >
            {fullScreen ? 'Exit full screen' : 'Full screen'}
          </button>
        </span>
      </div>
    </div>
  );
}
