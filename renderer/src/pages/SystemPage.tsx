import { useEffect, useState, type ReactNode } from 'react';
import type { Camera, CameraHealth, SystemInfo } from '../../../common/contract/index.js';
import { useCameras, useHealth, useTransport } from '../app-context.js';
import { HealthWarnings, nextAttemptOf, SegmentAge } from '../components/health.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatBitrate, formatBytes, formatCpu, formatDuration, formatFps } from '../format.js';
import { useHealthPolling, useNow } from '../hooks.js';
import { DetectionSection } from './detection/DetectionSection.js';
import { NotificationsSection } from './notifications/NotificationsSection.js';
import { GatewaySection } from './gateway/GatewaySection.js';
import { useCan } from '../access.js';

/** How often the page asks the engine again; the uptime in between ticks locally. */
export const SYSTEM_REFRESH_MS = 5000;

interface Snapshot {
  info: SystemInfo;
  /** Local clock when `info` arrived, to advance the uptime between refreshes. */
  receivedAt: number;
}

const FFMPEG_SOURCES: Readonly<Partial<Record<string, string>>> = {
  settings: 'set in settings',
  environment: 'set by the environment',
  'ffmpeg-static': 'bundled',
  path: 'found on PATH',
};

function Ffmpeg({ info }: { info: SystemInfo }) {
  // An engine older than this renderer may not report FFmpeg at all.
  const ffmpeg = info.ffmpeg as SystemInfo['ffmpeg'] | undefined;
  const problem = info.ffmpegProblem as string | null | undefined;
  if (ffmpeg === undefined) return <span className="muted">not reported by this engine</span>;
  if (ffmpeg === null) {
    return <span className="text-bad">{problem ?? 'not found; recording cannot run'}</span>;
  }
  return (
    <>
      {ffmpeg.version} <span className="muted">({FFMPEG_SOURCES[ffmpeg.source] ?? ffmpeg.source})</span>
      <br />
      <code>{ffmpeg.path}</code>
    </>
  );
}

const DECODE_FORMATS: Readonly<Record<string, string>> = { gray: 'gray', rgb24: 'RGB' };

/** FFmpeg's CPU for the camera, and what of it is decoding for detection. */
function FfmpegCpu({ health }: { health: CameraHealth }) {
  // An engine older than this renderer does not report them.
  const pct = health.ffmpegCpuPct as number | null | undefined;
  const decode = health.detectionDecode as CameraHealth['detectionDecode'] | undefined;
  return (
    <>
      <span title={pct === null ? 'Not measured on this system, or FFmpeg is not running' : undefined}>
        {pct === undefined ? '—' : formatCpu(pct)}
      </span>
      <br />
      <span className="muted small" data-testid="recording-decode">
        {decode === undefined
          ? ''
          : decode === null
            ? 'no decoding'
            : `decodes ${decode.stream} · ${decode.fps} fps · ${decode.width} px ${DECODE_FORMATS[decode.format] ?? decode.format}`}
      </span>
    </>
  );
}

function RecordingRow({
  camera,
  health,
  receivedAt,
}: {
  camera: Camera;
  health: CameraHealth | undefined;
  receivedAt: number | null;
}) {
  const figure = (render: (health: CameraHealth) => ReactNode) =>
    health === undefined ? <span className="muted">—</span> : render(health);
  return (
    <tr data-testid="recording-row" data-camera-id={camera.id}>
      <td className="camera-name" data-testid="recording-name">
        {camera.name}
      </td>
      <td className="status-cell">
        <StatusBadge
          status={camera.status}
          reason={camera.statusReason}
          nextAttemptAt={nextAttemptOf(camera, health)}
        />
      </td>
      <td className="number" data-testid="recording-fps">
        {figure((h) => formatFps(h.inputFps))}
      </td>
      <td className="number" data-testid="recording-bitrate">
        {figure((h) => formatBitrate(h.bitrateKbps))}
      </td>
      <td className="number nowrap" data-testid="recording-cpu">
        {figure((h) => (
          <FfmpegCpu health={h} />
        ))}
      </td>
      <td className="nowrap" data-testid="recording-last-segment">
        {figure((h) => (
          <SegmentAge ageMs={h.lastSegmentAgeMs} receivedAt={receivedAt} />
        ))}
      </td>
      <td className="number" data-testid="recording-reconnects">
        {figure((h) => h.reconnectsLastHour)}
      </td>
      <td className="number" data-testid="recording-today">
        {figure((h) => (
          <>
            {formatBytes(h.bytesToday)}
            <HealthWarnings health={h} />
          </>
        ))}
      </td>
    </tr>
  );
}

/** Per-camera recording health and the totals, polled while the page shows. */
function RecordingSection({ info }: { info: SystemInfo | undefined }) {
  useHealthPolling();
  const cameras = useCameras((state) => state.cameras);
  const byId = useHealth((state) => state.byId);
  const receivedAt = useHealth((state) => state.receivedAt);
  const error = useHealth((state) => state.error);
  const known = cameras.flatMap((camera) => {
    const health = byId[camera.id];
    return health === undefined ? [] : [health];
  });
  const sum = (pick: (health: CameraHealth) => number) =>
    known.reduce((total, health) => total + pick(health), 0);
  const recording = cameras.filter((camera) => camera.status === 'recording').length;
  const dropped = sum((health) => health.droppedFragments);
  const quarantined = sum((health) => health.quarantinedSegments);

  return (
    <section className="section" aria-labelledby="recording-title" data-testid="recording">
      <h2 id="recording-title" className="section__title">
        Recording
      </h2>
      {info?.ffmpeg === null ? (
        <div className="notice notice--error" role="alert">
          <p>Recording cannot run: {info.ffmpegProblem ?? 'FFmpeg was not found.'}</p>
        </div>
      ) : null}
      {error === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="health-error">
          <p>Recording health is not available: {error}</p>
        </div>
      )}
      {cameras.length === 0 ? (
        <p className="muted" data-testid="recording-empty">
          No cameras yet; add one (or a demo camera) on the Cameras page.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table--compact" data-testid="recording-table">
            <thead>
              <tr>
                <th scope="col">Camera</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">
                  Input
                </th>
                <th scope="col" className="number">
                  Bitrate
                </th>
                <th
                  scope="col"
                  className="number"
                  title="CPU of the camera's FFmpeg (% of one core over the last 10 s): receiving, recording, live view and decoding for detection"
                >
                  FFmpeg CPU
                </th>
                <th scope="col">Last segment</th>
                <th scope="col" className="number" title="Reconnects in the last hour">
                  Reconnects/h
                </th>
                <th scope="col" className="number" title="Recorded since 00:00 UTC">
                  Today
                </th>
              </tr>
            </thead>
            <tbody>
              {cameras.map((camera) => (
                <RecordingRow
                  key={camera.id}
                  camera={camera}
                  health={byId[camera.id]}
                  receivedAt={receivedAt}
                />
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="recording-totals">
                <th scope="row">Total</th>
                <td data-testid="total-recording">
                  {recording} of {cameras.length} recording
                </td>
                <td className="number" data-testid="total-fps">
                  {formatFps(sum((health) => health.inputFps))}
                </td>
                <td className="number" data-testid="total-bitrate">
                  {formatBitrate(sum((health) => health.bitrateKbps))}
                </td>
                <td className="number" data-testid="total-cpu">
                  {formatCpu(
                    known.some((health) => typeof health.ffmpegCpuPct === 'number')
                      ? sum((health) => health.ffmpegCpuPct ?? 0)
                      : null,
                  )}
                </td>
                <td />
                <td className="number" data-testid="total-reconnects">
                  {sum((health) => health.reconnectsLastHour)}
                </td>
                <td className="number" data-testid="total-today">
                  {formatBytes(sum((health) => health.bytesToday))}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {cameras.length === 0 ? null : (
        <p className={dropped + quarantined > 0 ? 'section__note text-bad' : 'section__note muted'}>
          <span data-testid="total-dropped">{dropped}</span> fragments dropped (disk too slow) ·{' '}
          <span data-testid="total-quarantined">{quarantined}</span> segments quarantined since start
        </p>
      )}
    </section>
  );
}

export function SystemPage() {
  const transport = useTransport();
  // The gateway's switch is the desktop app's alone (the web UI's admins do not get it).
  const showGateway = useCan()('gateway.settings.set');
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);

  useEffect(() => {
    let cancelled = false;
    async function refresh(): Promise<void> {
      try {
        const info = await transport.invoke('system.info', {});
        if (cancelled) return;
        setSnapshot({ info, receivedAt: Date.now() });
        setError(null);
      } catch (caught) {
        if (!cancelled) setError(caught instanceof Error ? caught.message : String(caught));
      }
    }
    void refresh();
    const timer = window.setInterval(() => void refresh(), SYSTEM_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [transport]);

  const info = snapshot?.info;
  const uptime = snapshot === null ? null : snapshot.info.uptimeMs + Math.max(0, now - snapshot.receivedAt);

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">System</h1>
      </header>
      {error === null ? null : (
        <div className="notice notice--error" role="alert">
          <p>System information is not available: {error}</p>
        </div>
      )}
      {info === undefined || uptime === null ? (
        error === null ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <dl className="facts" data-testid="system-info">
          <dt>Version</dt>
          <dd data-testid="system-version">{info.version}</dd>
          <dt>Uptime</dt>
          <dd data-testid="system-uptime">{formatDuration(uptime)}</dd>
          <dt>Data directory</dt>
          <dd>
            <code data-testid="system-data-dir">{info.dataDir}</code>
          </dd>
          <dt>Recordings directory</dt>
          <dd>
            <code data-testid="system-recordings-dir">{info.recordingsDir}</code>
          </dd>
          <dt>Database size</dt>
          <dd data-testid="system-database-size">{formatBytes(info.databaseBytes)}</dd>
          <dt>Cameras</dt>
          <dd data-testid="system-camera-count">{info.cameraCount}</dd>
          <dt>FFmpeg</dt>
          <dd data-testid="system-ffmpeg">
            <Ffmpeg info={info} />
          </dd>
          <dt>Runtime</dt>
          <dd className="muted">
            Node {info.nodeVersion} on {info.platform}
          </dd>
        </dl>
      )}
      <RecordingSection info={info} />
      <DetectionSection />
      <NotificationsSection />
      {showGateway ? <GatewaySection /> : null}
    </section>
  );
}
