/**
 * Asks an RTSP URL what it serves, with ffprobe over RTSP/TCP, the way a recorder first connects.
 */
import { execFile } from 'node:child_process';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

export type ProbeResult = { ok: true; streams: ProbedStream[] } | { ok: false; error: string };

export interface ProbeOptions {
  ffprobePath?: string;
  /** Whole-probe limit; ffprobe is killed after it. */
  timeoutMs?: number;
}

/** FFmpeg arguments for probing `url`. */
export function buildProbeArgs(url: string, socketTimeoutMs: number): string[] {
  return [
    ...['-v', 'error', '-rtsp_transport', 'tcp'],
    // RTSP's socket I/O timeout in microseconds (FFmpeg 5.1's RTSP demuxer has no -rw_timeout).
    ...['-timeout', String(socketTimeoutMs * 1000)],
    ...['-show_streams', '-of', 'json', url],
  ];
}

/** Never throws: a refused connection, a 401 or a timeout come back as `{ ok: false, error }`. */
export function probeRtsp(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    execFile(
      options.ffprobePath ?? 'ffprobe',
      buildProbeArgs(url, Math.min(5_000, timeoutMs)),
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          const reason = stderr.trim() || (error.killed ? `timed out after ${timeoutMs} ms` : error.message);
          resolve({ ok: false, error: reason });
          return;
        }
        try {
          const parsed = JSON.parse(stdout) as { streams?: ProbedStream[] };
          resolve({ ok: true, streams: parsed.streams ?? [] });
        } catch {
          resolve({ ok: false, error: `unreadable ffprobe output: ${stdout.slice(0, 200)}` });
        }
      },
    );
  });
}
