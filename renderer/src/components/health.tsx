import type { Camera, CameraHealth } from '../../../common/contract/index.js';
import { formatAge, formatBitrate, formatBytes, formatFps } from '../format.js';
import { useNow } from '../hooks.js';

/** The retry time, only when the health figures describe the status the camera shows now. */
export function nextAttemptOf(camera: Camera, health: CameraHealth | undefined): number | null {
  return health !== undefined && health.status === camera.status ? health.nextAttemptAt : null;
}

/**
 * How long ago the last segment closed, advancing every second between polls (`receivedAt` is when the
 * figures arrived); `none yet` before the first.
 */
export function SegmentAge({ ageMs, receivedAt }: { ageMs: number | null; receivedAt: number | null }) {
  const now = useNow(1000, ageMs !== null);
  if (ageMs === null) return <span className="muted">none yet</span>;
  const elapsed = receivedAt === null ? 0 : Math.max(0, now - receivedAt);
  return <>{formatAge(ageMs + elapsed)}</>;
}

/** What went wrong on the disk side, only when something did. */
export function HealthWarnings({ health }: { health: CameraHealth }) {
  return (
    <>
      {health.droppedFragments > 0 ? (
        <div className="text-bad" data-testid="health-dropped">
          {health.droppedFragments} {health.droppedFragments === 1 ? 'fragment' : 'fragments'} dropped (disk
          too slow)
        </div>
      ) : null}
      {health.quarantinedSegments > 0 ? (
        <div className="text-bad" data-testid="health-quarantined">
          {health.quarantinedSegments} {health.quarantinedSegments === 1 ? 'segment' : 'segments'} quarantined
        </div>
      ) : null}
    </>
  );
}

/** The Cameras page's "Recording" cell: input rate, last segment, today's bytes and reconnects. */
export function HealthSummary({
  camera,
  health,
  receivedAt,
}: {
  camera: Camera;
  health: CameraHealth | undefined;
  receivedAt: number | null;
}) {
  if (health === undefined) {
    return (
      <span className="muted" data-testid="health-pending">
        —
      </span>
    );
  }
  return (
    <div className="health" data-testid="camera-health">
      <span className="health__label">Input</span>
      <span className={camera.status === 'recording' ? undefined : 'muted'}>
        {camera.enabled ? (
          <>
            <span data-testid="health-fps">{formatFps(health.inputFps)}</span>
            <span className="muted"> · </span>
            <span data-testid="health-bitrate">{formatBitrate(health.bitrateKbps)}</span>
          </>
        ) : (
          <span className="muted">not recording</span>
        )}
      </span>
      <span className="health__label">Segment</span>
      <span data-testid="health-last-segment">
        <SegmentAge ageMs={health.lastSegmentAgeMs} receivedAt={receivedAt} />
      </span>
      <span className="health__label">Today</span>
      <span>
        <span data-testid="health-today" title="Recorded since 00:00 UTC">
          {formatBytes(health.bytesToday)}
        </span>
        <span className="muted"> · </span>
        <span title="Reconnects in the last hour">
          <span data-testid="health-reconnects">{health.reconnectsLastHour}</span>{' '}
          {health.reconnectsLastHour === 1 ? 'reconnect' : 'reconnects'}/h
        </span>
      </span>
      {health.droppedFragments > 0 || health.quarantinedSegments > 0 ? (
        <span className="health__warnings">
          <HealthWarnings health={health} />
        </span>
      ) : null}
    </div>
  );
}
