import { useEffect, useState } from 'react';
import type { SystemInfo } from '../../../common/contract/index.js';
import { useTransport } from '../app-context.js';
import { formatBytes, formatDuration } from '../format.js';

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

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function SystemPage() {
  const transport = useTransport();
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
    </section>
  );
}
