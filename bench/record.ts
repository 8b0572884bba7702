/**
 * bench:record: records N fake 1080p cameras (about 4 Mb/s each) with the OmniSight engine (the built
 * headless server and its FFmpeg children), then, in the same run, the same streams with N plain
 * `ffmpeg -rtsp_transport tcp -i … -c copy -f segment …` processes as the baseline. Prints one JSON object.
 *
 *   npm run bench:record -- --cameras 16 --seconds 60 --json
 *
 * CPU is % of one core, measured from /proc over the same window length in both phases. `ratio` is
 * (engine + its FFmpegs, per camera) / (baseline FFmpeg per camera).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startFakeCameras } from '../test/fake-cameras/index.js';
import { makeTempDir, startServer } from '../test/support/server.js';
import { childrenOf, cpuWindow } from './proc-cpu.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
  return parsed;
}

const cameraCount = argument('cameras', 16);
const seconds = argument('seconds', 60);
const json = process.argv.includes('--json');
const log = (message: string): void => {
  if (!json) process.stderr.write(`${message}\n`);
  else process.stderr.write(`[bench] ${message}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

interface Row {
  camera_id: string;
  start_time: number;
  end_time: number;
  duration_ms: number;
}

async function main(): Promise<void> {
  log(`starting ${cameraCount} fake 1080p cameras`);
  const fakes = await startFakeCameras({
    cameras: Array.from({ length: cameraCount }, (_, index) => ({
      name: `bench-${index}`,
      resolution: '1080p' as const,
    })),
  });
  try {
    // Phase 1: the engine.
    const server = await startServer();
    const ids: string[] = [];
    for (const fake of fakes.cameras) {
      const response = await server.fetch('/api/cameras', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: fake.name, rtspUrl: fake.mainUrl, segmentSeconds: 10 }),
      });
      ids.push(((await response.json()) as { id: string }).id);
    }
    log('engine: warming up 10 s');
    await sleep(10_000);
    const serverPid = server.child.pid!;
    const engineFfmpegs = childrenOf(serverPid);
    const measureEngine = cpuWindow([serverPid, ...engineFfmpegs]);
    const windowStart = Date.now();
    log(`engine: measuring ${seconds} s (${engineFfmpegs.length} FFmpeg children)`);
    await sleep(seconds * 1000);
    const engine = measureEngine();
    const windowEnd = Date.now();
    const rssKb = Number(
      /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${serverPid}/status`, 'utf8'))?.[1] ?? 0,
    );
    await server.stop();

    const db = new Database(path.join(server.dataDir, 'omnisight.db'), { readonly: true });
    let segments = 0;
    let gaps = 0;
    let lostMs = 0;
    for (const id of ids) {
      const rows = db
        .prepare(
          'SELECT camera_id, start_time, end_time, duration_ms FROM segments WHERE camera_id = ? ORDER BY start_time',
        )
        .all(id) as Row[];
      const inWindow = rows.filter((row) => row.end_time > windowStart && row.start_time < windowEnd);
      segments += inWindow.length;
      if (inWindow.length === 0) lostMs += windowEnd - windowStart;
      // Footage missing between consecutive segments of the whole run (warm-up to stop) is lost footage.
      for (let index = 1; index < rows.length; index += 1) {
        const gap = rows[index]!.start_time - rows[index - 1]!.end_time;
        if (gap > 1000) gaps += 1;
        if (gap > 250) lostMs += gap;
      }
    }
    db.close();

    // Phase 2: the baseline, plain FFmpeg segmenting the same streams.
    const baselineDir = makeTempDir('omnisight-bench-baseline-');
    const baseline = fakes.cameras.map((fake, index) => {
      const out = path.join(baselineDir, String(index));
      fs.mkdirSync(out);
      return spawn(
        'ffmpeg',
        [
          ...['-hide_banner', '-nostats', '-loglevel', 'error', '-nostdin'],
          ...['-rtsp_transport', 'tcp', '-i', fake.mainUrl, '-c', 'copy'],
          ...['-f', 'segment', '-segment_time', '10', '-segment_format', 'mp4', '-reset_timestamps', '1'],
          path.join(out, '%05d.mp4'),
        ],
        { stdio: 'ignore' },
      );
    });
    log('baseline: warming up 10 s');
    await sleep(10_000);
    const measureBaseline = cpuWindow(baseline.map((child) => child.pid!));
    log(`baseline: measuring ${seconds} s`);
    await sleep(seconds * 1000);
    const base = measureBaseline();
    for (const child of baseline) child.kill('SIGTERM');
    await Promise.all(baseline.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    fs.rmSync(baselineDir, { recursive: true, force: true });
    fs.rmSync(server.dataDir, { recursive: true, force: true });

    const enginePct = ((engine.perPid.get(serverPid) ?? 0) / engine.seconds) * 100;
    const ffmpegTotal = engineFfmpegs.reduce((total, pid) => total + (engine.perPid.get(pid) ?? 0), 0);
    const ffmpegPctPerCamera = ((ffmpegTotal / engine.seconds) * 100) / cameraCount;
    const baseTotal = [...base.perPid.values()].reduce((total, value) => total + value, 0);
    const baselinePctPerCamera = ((baseTotal / base.seconds) * 100) / cameraCount;
    const ratio = (enginePct / cameraCount + ffmpegPctPerCamera) / baselinePctPerCamera;
    const result = {
      cameras: cameraCount,
      seconds,
      engine_cpu_pct: round(enginePct),
      ffmpeg_cpu_pct_per_camera: round(ffmpegPctPerCamera),
      baseline_cpu_pct_per_camera: round(baselinePctPerCamera),
      ratio: round(ratio, 3),
      rss_mb: round(rssKb / 1024, 1),
      segments,
      gaps,
      lost_seconds: round(lostMs / 1000, 1),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await fakes.stopAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:record failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
