import { spawnSync } from 'node:child_process';
/**
 * Export speed against a plain file copy of the same bytes, in the same run. `bench/storage.ts` reports the
 * two figures (`export_mb_per_s`, `copy_mb_per_s`); run alone it prints them:
 *
 *   npx tsx bench/export-speed.ts --mb 200
 *
 * Synthetic segments: FFmpeg encodes one 20 s 720p sample once (H.264 + AAC, keyframe every second,
 * fragmented like the recorder's output), it is cut into 10 s segment files and the files are repeated as one
 * continuous run until the total reaches the target size. The export covers the whole run, cut at both ends
 * inside a segment (so the keyframe lookup runs too). Both figures are bytes of segments read per second,
 * the median of three rounds of copy then export, each after a `sync`, following one warm-up export.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openDatabase } from '../electron/engine/db/open-database.js';
import { makeSampleFmp4 } from '../electron/engine/ingest/sample-media.js';
import { createSilentLogger } from '../electron/engine/logging/logger.js';
import { cutSample, seedSegments, type SampleSegment } from '../electron/engine/storage/export-samples.js';
import { createExportService } from '../electron/engine/storage/export-service.js';
import { createLeaseRegistry } from '../electron/engine/storage/leases.js';
import { median, repoRoot } from './support.js';

export interface ExportSpeedOptions {
  /** An empty temporary folder; the caller removes it. */
  dir: string;
  /** Total size of the segments to export; default 200 MB. */
  targetBytes?: number;
  /** The committed drizzle migrations; default `<repo>/drizzle`. */
  migrationsDir?: string;
}

export interface ExportSpeed {
  export_mb_per_s: number;
  copy_mb_per_s: number;
  /** Bytes of segments each side read. */
  bytes: number;
  segments: number;
}

const CAMERA = 'cam-00000be0c1';
const MB = 1e6;
const round = (value: number): number => Math.round(value * 10) / 10;
/** Rounds of copy then export; the medians are reported (this machine is noisy). */
const ROUNDS = 3;

export async function measureExportSpeed(options: ExportSpeedOptions): Promise<ExportSpeed> {
  const targetBytes = options.targetBytes ?? 200 * MB;
  if (!(targetBytes > 0)) throw new Error('targetBytes must be positive');
  const recordingsDir = path.join(options.dir, 'recordings');
  const exportsDir = path.join(options.dir, 'exports');
  const copyDir = path.join(options.dir, 'copy');
  fs.mkdirSync(copyDir, { recursive: true });

  const cut = cutSample(
    makeSampleFmp4({ width: 1280, height: 720, fps: 25, seconds: 20, audio: true }),
    10_000,
  );
  const sampleBytes = cut.reduce((total, segment) => total + segment.bytes.length, 0);
  const repeats = Math.max(1, Math.ceil(targetBytes / sampleBytes));
  const run: SampleSegment[] = Array.from({ length: repeats }, () => cut).flat();

  const database = await openDatabase({
    file: path.join(options.dir, 'omnisight.db'),
    migrationsDir: options.migrationsDir ?? path.join(repoRoot(), 'drizzle'),
    logger: createSilentLogger(),
    clock: { now: () => Date.now() },
  });
  try {
    const start = Date.UTC(2026, 0, 1);
    const seeded = seedSegments({
      db: database.db,
      recordingsDir,
      cameraId: CAMERA,
      runs: [{ start, segments: run }],
    });
    const bytes = seeded.reduce((total, segment) => total + segment.fileSize, 0);

    const service = createExportService({
      db: database.db,
      recordingsDir,
      exportsDir,
      leases: createLeaseRegistry(),
      events: { emit: () => undefined },
      clock: { now: () => Date.now() },
      logger: createSilentLogger(),
    });
    service.start();
    const end = seeded.at(-1)?.endTime ?? start;
    const exportOnce = async (from: number, to: number): Promise<number> => {
      const started = performance.now();
      const [created] = service.create({ cameraIds: [CAMERA], startTime: from, endTime: to });
      await service.idle();
      const seconds = (performance.now() - started) / 1000;
      const result = service.list().find((entry) => entry.id === created?.id);
      if (result?.status !== 'done')
        throw new Error(`The export did not finish: ${result?.error ?? 'no row'}`);
      service.delete({ id: result.id });
      return seconds;
    };
    // The baseline: the same files copied one by one, as a person would copy them out of the recordings.
    const copyOnce = (): number => {
      fs.mkdirSync(copyDir, { recursive: true });
      const started = performance.now();
      for (const segment of seeded) {
        fs.copyFileSync(path.join(recordingsDir, segment.filePath), path.join(copyDir, `${segment.id}.mp4`));
      }
      const seconds = (performance.now() - started) / 1000;
      fs.rmSync(copyDir, { recursive: true, force: true });
      return seconds;
    };
    // Neither side may pay for the other's (or the seeding's) dirty pages being written back.
    const settle = (): void => {
      spawnSync('sync', [], { stdio: 'ignore' });
    };
    // A running engine has its parsers compiled: warm them up on one minute first, as the copy's first
    // round warms the page cache for both.
    await exportOnce(start, start + 60_000);
    const copies: number[] = [];
    const exports: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      settle();
      copies.push(copyOnce());
      settle();
      exports.push(await exportOnce(start + 2500, end - 2500));
    }
    await service.stop();
    const copySeconds = median(copies);
    const exportSeconds = median(exports);

    return {
      export_mb_per_s: round(bytes / MB / exportSeconds),
      copy_mb_per_s: round(bytes / MB / copySeconds),
      bytes,
      segments: seeded.length,
    };
  } finally {
    database.close();
  }
}

async function main(): Promise<void> {
  const index = process.argv.indexOf('--mb');
  const mb = index === -1 ? 200 : Number(process.argv[index + 1]);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error('--mb must be a positive number');
  const dir = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'omnisight-export-bench-'));
  try {
    process.stdout.write(`${JSON.stringify(await measureExportSpeed({ dir, targetBytes: mb * MB }))}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run as a program only when this module is the entry: bundled into `out/bench/storage.js`, `import.meta.url`
 * is the bundle's, which is also the entry, so the module's own name is checked as well.
 */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined || import.meta.url !== pathToFileURL(entry).href) return false;
  return /^export-speed\.[cm]?[jt]s$/.test(path.basename(fileURLToPath(import.meta.url)));
}

if (isEntry()) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
