/**
 * bench:storage: fills a database with 2 million synthetic segment rows (16 cameras × 30 days, ~20.7 s
 * segments, one run per camera-hour), then times
 *   - a retention pass that deletes one day of one camera (the files of that day exist on disk, 1 KB each;
 *     the pass unlinks them and removes their rows), through the storage service as the engine runs it;
 *   - the day-coverage query for all 16 cameras (merged spans, not raw rows): the median of 5 runs after one
 *     warm-up, each on a different day;
 * and export speed against a plain file copy of the same bytes (bench/export-speed.ts). Prints one JSON object.
 *
 *   npm run bench:storage -- --json [--rows 2000000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../electron/engine/db/open-database.js';
import { createEventBus } from '../electron/engine/events/event-bus.js';
import { createSilentLogger } from '../electron/engine/logging/logger.js';
import { segmentRelativePath, toAbsolute } from '../electron/engine/recording/segment-path.js';
import { createLeaseRegistry } from '../electron/engine/storage/leases.js';
import { createStorageService } from '../electron/engine/storage/storage-service.js';
import { measureExportSpeed } from './export-speed.js';
import { benchLogger, median, repoRoot } from './support.js';

const CAMERAS = 16;
const DAYS = 30;
const DAY_MS = 86_400_000;
const json = process.argv.includes('--json');
const rowsIndex = process.argv.indexOf('--rows');
const targetRows = rowsIndex === -1 ? 2_000_000 : Number(process.argv[rowsIndex + 1]);
if (!Number.isInteger(targetRows) || targetRows < CAMERAS * DAYS) {
  throw new Error(`--rows must be a whole number of at least ${CAMERAS * DAYS}`);
}
const log = benchLogger(json);

const round = (value: number): number => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-bench-storage-'));
  try {
    const recordingsDir = path.join(dir, 'recordings');
    fs.mkdirSync(recordingsDir);
    const start = Date.UTC(2026, 0, 1);
    const now = start + DAYS * DAY_MS;
    const database = await openDatabase({
      file: path.join(dir, 'omnisight.db'),
      migrationsDir: path.join(repoRoot(), 'drizzle'),
      logger: createSilentLogger(),
      clock: { now: () => now },
    });
    const { sqlite } = database;
    const perCamera = Math.floor(targetRows / CAMERAS);
    const segmentMs = Math.floor((DAYS * DAY_MS) / perCamera);
    const cameraIds = Array.from(
      { length: CAMERAS },
      (_, index) => `cam-${index.toString(16).padStart(10, '0')}`,
    );
    log(`filling ${perCamera * CAMERAS} rows (${segmentMs} ms segments)`);
    const filled = performance.now();
    const insertCamera = sqlite.prepare(
      `INSERT INTO cameras (id, name, rtsp_url, rtsp_url_key, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'recording', ?, ?)`,
    );
    const insertRecording = sqlite.prepare(
      `INSERT INTO recordings (camera_id, start_time, end_time, duration_ms, status) VALUES (?, ?, ?, ?, 'complete')`,
    );
    const insertSegment = sqlite.prepare(
      `INSERT INTO segments (recording_id, camera_id, file_path, start_time, end_time, duration_ms, file_size)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const [index, id] of cameraIds.entries()) {
      insertCamera.run(
        id,
        `Camera ${index + 1}`,
        `rtsp://bench/${index}`,
        `rtsp://bench/${index}`,
        index,
        index,
      );
    }
    const firstDay: string[] = [];
    for (const [cameraIndex, cameraId] of cameraIds.entries()) {
      sqlite.transaction(() => {
        let recordingId = 0;
        let hour = -1;
        for (let index = 0; index < perCamera; index += 1) {
          const segmentStart = start + index * segmentMs;
          const segmentHour = Math.floor(segmentStart / 3_600_000);
          if (segmentHour !== hour) {
            hour = segmentHour;
            recordingId = Number(
              insertRecording.run(cameraId, segmentStart, segmentStart + 3_600_000, 3_600_000)
                .lastInsertRowid,
            );
          }
          const filePath = segmentRelativePath(cameraId, segmentStart);
          // About 10 MB per segment of 20 s at 4 Mb/s; sizes only matter to the sums.
          insertSegment.run(
            recordingId,
            cameraId,
            filePath,
            segmentStart,
            segmentStart + segmentMs,
            segmentMs,
            10_000_000,
          );
          if (cameraIndex === 0 && segmentStart + segmentMs <= start + DAY_MS) firstDay.push(filePath);
        }
      })();
    }
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.exec('ANALYZE');
    const rows = sqlite.prepare('SELECT count(*) FROM segments').pluck(true).get() as number;
    log(
      `filled in ${Math.round(performance.now() - filled)} ms; writing ${firstDay.length} files of camera 1's first day`,
    );
    const filler = Buffer.alloc(1024, 7);
    for (const filePath of firstDay) {
      const file = toAbsolute(recordingsDir, filePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, filler);
    }

    const storage = createStorageService({
      db: database.db,
      sqlite,
      recordingsDir,
      clock: { now: () => now },
      logger: createSilentLogger(),
      events: createEventBus(createSilentLogger()),
      leases: createLeaseRegistry(),
      recording: () => ({
        setBlocked: () => Promise.resolve(),
        setNotice: () => undefined,
        openFiles: () => [],
      }),
    });
    storage.checkRootAtStart();
    // Only camera 1 has an age limit (29 days): the pass deletes its first day. No size or space pressure.
    storage.setSettings({
      limits: { maxTotalGb: null, minFreeGb: 0, minFreePercent: 0 },
      cameras: [{ id: cameraIds[0] ?? '', retainDays: DAYS - 1, retainEventDays: null }],
    });
    // setSettings queued a pass; the timed one is the pass itself, run through the same queue.
    const passStarted = performance.now();
    const summary = await storage.cleanup('scheduled');
    const retentionPassMs = performance.now() - passStarted;
    if (summary === null || summary.deletedSegments !== firstDay.length) {
      throw new Error(
        `The retention pass deleted ${summary?.deletedSegments ?? 0} segments, not ${firstDay.length}`,
      );
    }
    log(`retention pass: ${summary.deletedSegments} segments in ${Math.round(retentionPassMs)} ms`);

    const dayTimes: number[] = [];
    let spans = 0;
    for (let run = 0; run < 6; run += 1) {
      const dayStart = start + (10 + run) * DAY_MS;
      const began = performance.now();
      const day = storage.timelineDay({ start: dayStart, end: dayStart + DAY_MS, joinGapMs: 1000 });
      const took = performance.now() - began;
      if (day.cameras.length !== CAMERAS)
        throw new Error(`The day query answered ${day.cameras.length} cameras`);
      spans = day.cameras.reduce((total, camera) => total + camera.spans.length, 0);
      if (run > 0) dayTimes.push(took);
    }
    log(`day timeline: ${spans} spans for ${CAMERAS} cameras, median ${round(median(dayTimes))} ms`);
    await storage.stop();
    database.close();

    const exportDir = path.join(dir, 'export');
    fs.mkdirSync(exportDir);
    log('export speed against a plain copy');
    const speed = await measureExportSpeed({ dir: exportDir });
    const result = {
      rows,
      retention_pass_ms: Math.round(retentionPassMs),
      day_timeline_query_ms: round(median(dayTimes)),
      export_mb_per_s: speed.export_mb_per_s,
      copy_mb_per_s: speed.copy_mb_per_s,
    };
    process.stdout.write(`${JSON.stringify(result, null, json ? undefined : 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
