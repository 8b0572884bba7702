/**
 * The database schema: the seed's entities (Camera, Stream, Recording, Segment, Event, DetectedObject) plus
 * settings. Times are UTC epoch milliseconds; file paths are relative to the recordings root so the data can
 * move between disks and machines. Column names become snake_case through drizzle's `casing` option.
 *
 * Changing this file means running `npm run db:generate` and committing the new migration in `drizzle/`;
 * `schema-migrations.test.ts` fails while the two disagree.
 */
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const cameras = sqliteTable(
  'cameras',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** Stream URL without credentials. */
    rtspUrl: text().notNull(),
    /** Normalised form of `rtspUrl` (lower-case scheme and host) used to refuse duplicates. */
    rtspUrlKey: text().notNull(),
    subStreamUrl: text(),
    username: text(),
    /** Kept apart from the URL, sealed (`enc:v1:…`, secrets/README.md) and never returned by the API. */
    password: text(),
    enabled: integer({ mode: 'boolean' }).notNull().default(true),
    /** Target segment length in seconds (2 s to 15 min); segments are cut at the first keyframe after it. */
    segmentSeconds: integer().notNull().default(60),
    /** RTSP over TCP (interleaved, the default) or UDP. */
    rtspTransport: text().notNull().default('tcp'),
    status: text().notNull(),
    statusReason: text(),
    createdAt: integer().notNull(),
    updatedAt: integer().notNull(),
    /**
     * Set when the camera is removed with "keep recordings": its footage stays indexed and reachable until
     * retention ages it out, and its id is never reused.
     */
    removedAt: integer(),
    /** Days to keep continuous footage; null keeps it until the size limit or the free-space floor needs room. */
    retainDays: integer(),
    /**
     * Days to keep footage around events (the event plus its pre- and post-roll); at least `retainDays`.
     * Null: as long as continuous footage.
     */
    retainEventDays: integer(),
    /** `continuous`, `motion` or `events`: what retention keeps (FFmpeg records continuously in every mode). */
    recordMode: text().notNull().default('continuous'),
    preRollSeconds: integer().notNull().default(5),
    postRollSeconds: integer().notNull().default(5),
    /** ONVIF device service URL the camera was added from (the wizard); PTZ commands go there. */
    onvifXaddr: text(),
    /** ONVIF media profile token PTZ commands name. */
    onvifProfileToken: text(),
  },
  (table) => [
    // Two live cameras may not share a stream; a removed camera's URL may be added again.
    uniqueIndex('cameras_rtsp_url_key_unique')
      .on(table.rtspUrlKey)
      .where(sql`${table.removedAt} IS NULL`),
  ],
);

/** One ingest session of one camera stream (one FFmpeg run). */
export const streams = sqliteTable(
  'streams',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    cameraId: text()
      .notNull()
      .references(() => cameras.id, { onDelete: 'cascade' }),
    /** `main` or `sub`. */
    kind: text().notNull().default('main'),
    status: text().notNull(),
    startedAt: integer().notNull(),
    endedAt: integer(),
    endReason: text(),
  },
  (table) => [index('streams_camera_started_idx').on(table.cameraId, table.startedAt)],
);

/** One continuous run of recorded footage; a gap starts a new one. */
export const recordings = sqliteTable(
  'recordings',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    cameraId: text()
      .notNull()
      .references(() => cameras.id, { onDelete: 'cascade' }),
    startTime: integer().notNull(),
    endTime: integer(),
    durationMs: integer().notNull().default(0),
    status: text().notNull(),
  },
  (table) => [index('recordings_camera_start_idx').on(table.cameraId, table.startTime)],
);

/** One fragmented-MP4 file on disk. `cameraId` is denormalised so the timeline query needs one index. */
export const segments = sqliteTable(
  'segments',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    recordingId: integer()
      .notNull()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    streamId: integer().references(() => streams.id, { onDelete: 'set null' }),
    cameraId: text()
      .notNull()
      .references(() => cameras.id, { onDelete: 'cascade' }),
    /** Relative to the recordings root: `<cameraId>/<YYYY-MM-DD>/<HH>/<MM-SS>.mp4`. */
    filePath: text().notNull(),
    startTime: integer().notNull(),
    endTime: integer().notNull(),
    durationMs: integer().notNull(),
    fileSize: integer().notNull(),
  },
  (table) => [
    // Covers the day-coverage query (no table lookups) and retention by age per camera.
    index('segments_camera_start_end_idx').on(table.cameraId, table.startTime, table.endTime),
    // Oldest first across all cameras, for the size and free-space passes of retention.
    index('segments_start_idx').on(table.startTime),
    index('segments_recording_idx').on(table.recordingId),
    uniqueIndex('segments_file_path_unique').on(table.filePath),
  ],
);

export const events = sqliteTable(
  'events',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    cameraId: text()
      .notNull()
      .references(() => cameras.id, { onDelete: 'cascade' }),
    recordingId: integer().references(() => recordings.id, { onDelete: 'set null' }),
    /** `motion`, `person`, `vehicle`, `animal`, ... */
    type: text().notNull(),
    /** The moment that best represents the event (its snapshot). */
    timestamp: integer().notNull(),
    startTime: integer().notNull(),
    endTime: integer(),
    confidence: real(),
    locked: integer({ mode: 'boolean' }).notNull().default(false),
    metadata: text({ mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
  },
  (table) => [
    index('events_camera_start_idx').on(table.cameraId, table.startTime),
    index('events_type_start_idx').on(table.type, table.startTime),
    // Retention asks for the few locked events on every pass.
    index('events_locked_idx')
      .on(table.cameraId, table.startTime)
      .where(sql`${table.locked} = 1`),
  ],
);

export const detectedObjects = sqliteTable(
  'detected_objects',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    eventId: integer()
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    type: text().notNull(),
    confidence: real().notNull(),
    /** `{ x, y, width, height }` as fractions of the frame (0..1), so they survive resolution changes. */
    boundingBox: text({ mode: 'json' })
      .$type<{ x: number; y: number; width: number; height: number }>()
      .notNull(),
    metadata: text({ mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
  },
  (table) => [index('detected_objects_event_idx').on(table.eventId)],
);

export const settings = sqliteTable('settings', {
  key: text().primaryKey(),
  value: text({ mode: 'json' }).notNull(),
  updatedAt: integer().notNull(),
});

/** A clip export: one MP4 per camera for a UTC range, written under the exports folder. */
export const exports = sqliteTable(
  'exports',
  {
    id: text().primaryKey(),
    cameraIds: text({ mode: 'json' }).$type<string[]>().notNull(),
    startTime: integer().notNull(),
    endTime: integer().notNull(),
    /** `queued`, `running`, `done`, `failed` or `cancelled`. */
    status: text().notNull(),
    /** 0..1 */
    progress: real().notNull().default(0),
    /** Relative to the exports folder; null until written. */
    filePath: text(),
    fileSize: integer(),
    /** The gaps inside the range that had no footage: `[{ cameraId, start, end }]`. */
    gaps: text({ mode: 'json' })
      .$type<{ cameraId: string; start: number; end: number }[]>()
      .notNull()
      .default(sql`'[]'`),
    error: text(),
    createdAt: integer().notNull(),
    finishedAt: integer(),
  },
  (table) => [index('exports_created_idx').on(table.createdAt)],
);

/** Gateway accounts (issue 8). The desktop app needs none; the LAN gateway always signs in. */
export const users = sqliteTable(
  'users',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** Lower-case `name` (NFKC): sign-in names are unique without regard to case. */
    nameKey: text().notNull(),
    /** `admin` or `viewer`. */
    role: text().notNull(),
    /** `scrypt$N$r$p$salt$hash` (base64url); never leaves the engine. */
    passwordHash: text().notNull(),
    /** Viewers: the cameras they may see; null is every camera. Admins: always null. */
    cameraIds: text({ mode: 'json' }).$type<string[] | null>(),
    createdAt: integer().notNull(),
    updatedAt: integer().notNull(),
  },
  (table) => [uniqueIndex('users_name_key_unique').on(table.nameKey)],
);

/** Signed-in gateway sessions; only a SHA-256 of each token is stored, so the database cannot sign anyone in. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer().notNull(),
    /** Slides forward on use (idle timeout)… */
    expiresAt: integer().notNull(),
    /** …but never past this. */
    absoluteExpiresAt: integer().notNull(),
    /** The client address at sign-in, for the admin's sessions list. */
    address: text(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

/**
 * Failed sign-ins per client address (`ip:<address>`) and per account name (`user:<name key>`), kept in the
 * database so a lockout survives a restart.
 */
export const loginFailures = sqliteTable('login_failures', {
  key: text().primaryKey(),
  failures: integer().notNull(),
  lastFailureAt: integer().notNull(),
  lockedUntil: integer().notNull().default(0),
});
