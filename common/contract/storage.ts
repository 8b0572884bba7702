import { z } from 'zod';
import { CameraId } from './cameras.js';

/** Decimal gigabytes: 1 GB = 10^9 bytes, as disks are sold and as the Storage page shows them. */
export const BYTES_PER_GB = 1_000_000_000;
export const RETAIN_DAYS_MAX = 3650;
export const ROLL_SECONDS_MAX = 600;

export const EpochMs = z.number().int('must be whole milliseconds').min(0, 'must not be negative');

const RetainDays = z
  .number({ error: 'must be a number of days' })
  .int('must be whole days')
  .min(1, 'must be at least 1 day')
  .max(RETAIN_DAYS_MAX, `must be at most ${RETAIN_DAYS_MAX} days`)
  .nullable();

/**
 * Retention of one camera. `retainDays`: continuous footage; `retainEventDays`: footage around events (the event
 * plus its pre- and post-roll), at least as long. Null: no age limit (the size limit and the free-space floor
 * still apply); a null `retainEventDays` means "as long as continuous footage".
 */
export const CameraRetention = z
  .strictObject({
    id: CameraId,
    retainDays: RetainDays,
    retainEventDays: RetainDays,
  })
  .refine(
    (value) =>
      value.retainEventDays === null ||
      value.retainDays === null ||
      value.retainEventDays >= value.retainDays,
    { message: 'must be at least the days of continuous footage', path: ['retainEventDays'] },
  )
  .refine((value) => !(value.retainDays === null && value.retainEventDays !== null), {
    message: 'must be empty (keep forever) while continuous footage is kept forever',
    path: ['retainEventDays'],
  });
export type CameraRetention = z.infer<typeof CameraRetention>;

/** The global rules: a size limit for all recordings and a free-space floor (GB and %, whichever is larger). */
export const StorageLimits = z.strictObject({
  /** Null: no size limit. */
  maxTotalGb: z
    .number({ error: 'must be a number of GB' })
    .positive('must be more than 0 GB')
    .max(1_000_000, 'must be at most 1 000 000 GB')
    .nullable(),
  minFreeGb: z
    .number({ error: 'must be a number of GB' })
    .min(0, 'must not be negative')
    .max(1_000_000, 'must be at most 1 000 000 GB'),
  minFreePercent: z
    .number({ error: 'must be a percentage' })
    .min(0, 'must not be negative')
    .max(90, 'must be at most 90 %'),
  /** Footage kept around an event: this much before its start and after its end. */
  eventPreRollSeconds: z
    .number()
    .int('must be whole seconds')
    .min(0, 'must not be negative')
    .max(ROLL_SECONDS_MAX, `must be at most ${ROLL_SECONDS_MAX} s`),
  eventPostRollSeconds: z
    .number()
    .int('must be whole seconds')
    .min(0, 'must not be negative')
    .max(ROLL_SECONDS_MAX, `must be at most ${ROLL_SECONDS_MAX} s`),
});
export type StorageLimits = z.infer<typeof StorageLimits>;

export const STORAGE_LIMITS_DEFAULT: StorageLimits = {
  maxTotalGb: null,
  minFreeGb: 5,
  minFreePercent: 5,
  eventPreRollSeconds: 10,
  eventPostRollSeconds: 10,
};

export const StorageSettings = z.object({
  limits: StorageLimits,
  /** Every camera with footage or configuration, removed ones included (their footage ages out too). */
  cameras: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      removed: z.boolean(),
      retainDays: z.number().int().nullable(),
      retainEventDays: z.number().int().nullable(),
    }),
  ),
});
export type StorageSettings = z.infer<typeof StorageSettings>;

export const StorageSettingsInput = z.strictObject({
  limits: StorageLimits.partial().optional(),
  cameras: z.array(CameraRetention).max(1000, 'must list at most 1000 cameras').optional(),
});

/** The recordings root as checked at start and on every free-space check. */
export const RootState = z.enum(['ok', 'missing', 'marker_missing', 'marker_mismatch', 'unreadable']);
export type RootState = z.infer<typeof RootState>;

/**
 * `ok`; `low_space` while cleanup makes room (recording continues); `stopped_full` when the disk is under the
 * floor and nothing can be deleted (recording stopped until space is back); `root_problem` when the recordings
 * root is missing or not ours (nothing recorded, nothing deleted).
 */
export const StorageState = z.enum(['ok', 'low_space', 'stopped_full', 'root_problem']);
export type StorageState = z.infer<typeof StorageState>;

export const CleanupSummary = z.object({
  at: EpochMs,
  reason: z.enum(['scheduled', 'low_space', 'write_error', 'settings']),
  deletedSegments: z.number().int(),
  freedBytes: z.number().int(),
  skippedProtected: z
    .number()
    .int()
    .describe('Candidates kept because locked, leased or around a kept event'),
  failed: z.number().int().describe('Files that could not be deleted (their rows were kept)'),
  durationMs: z.number().int(),
});
export type CleanupSummary = z.infer<typeof CleanupSummary>;

export const ReconcileSummary = z.object({
  at: EpochMs,
  indexed: z.number().int(),
  removedRows: z.number().int(),
  quarantined: z.number().int(),
  /** True when more than half of the index would have gone: nothing was removed. */
  refused: z.boolean(),
  message: z.string().nullable(),
});
export type ReconcileSummary = z.infer<typeof ReconcileSummary>;

export const CameraStorage = z.object({
  id: z.string(),
  name: z.string(),
  bytes: z.number().int(),
  segments: z.number().int(),
  oldestTime: EpochMs.nullable(),
  newestTime: EpochMs.nullable(),
  /** Measured over the last 24 h of footage; 0 when none. */
  bytesPerDay: z.number().int(),
});

export const StorageStatus = z.object({
  recordingsDir: z.string(),
  root: z.object({ state: RootState, problem: z.string().nullable() }),
  state: StorageState,
  /** Why the state is not `ok`, in words for the banner. */
  message: z.string().nullable(),
  /** Of the volume holding the recordings root (0 when it cannot be read). */
  totalBytes: z.number().int(),
  freeBytes: z.number().int(),
  /** Sum of indexed segment sizes (from the database, never from walking the disk). */
  usedBytes: z.number().int(),
  floorBytes: z.number().int(),
  maxTotalBytes: z.number().int().nullable(),
  /** At the bitrate measured over the last 24 h, days until cleanup has to start overwriting; null if unknown. */
  daysRemaining: z.number().nullable(),
  cameras: z.array(CameraStorage),
  lastCleanup: CleanupSummary.nullable(),
  reconcile: ReconcileSummary.nullable(),
});
export type StorageStatus = z.infer<typeof StorageStatus>;

export const StorageReconcileInput = z.strictObject({
  /** Remove rows even when more than half of the index would go (after the operator checked the disk). */
  acceptLoss: z.boolean().default(false),
});

export const StorageLowSpace = z.object({
  at: EpochMs,
  reason: z.enum(['write_error', 'below_floor', 'nothing_deletable']),
  freeBytes: z.number().int(),
  floorBytes: z.number().int(),
  message: z.string(),
});
export type StorageLowSpace = z.infer<typeof StorageLowSpace>;

export const TIMELINE_RANGE_MAX_MS = 7 * 24 * 3_600_000;

export const TimelineDayInput = z
  .strictObject({
    /** Default: every camera with footage in the range. */
    cameraIds: z.array(CameraId).max(256, 'must list at most 256 cameras').optional(),
    start: EpochMs,
    end: EpochMs,
    /** Segments closer than this are one span (default 1000 ms). */
    joinGapMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .refine((value) => value.end > value.start, { message: 'must be after start', path: ['end'] })
  .refine((value) => value.end - value.start <= TIMELINE_RANGE_MAX_MS, {
    message: 'must be at most 7 days after start',
    path: ['end'],
  });

export const TimelineDay = z.object({
  start: EpochMs,
  end: EpochMs,
  cameras: z.array(
    z.object({
      cameraId: z.string(),
      /** Merged contiguous runs `[start, end]` clipped to the range, oldest first. */
      spans: z.array(z.tuple([EpochMs, EpochMs])),
    }),
  ),
});
export type TimelineDay = z.infer<typeof TimelineDay>;

/** Most local days (intervals) one `timeline.days` call may ask about: six calendar weeks and one. */
export const TIMELINE_DAYS_MAX = 43;

export const TimelineDaysInput = z
  .strictObject({
    /** Default: every camera. */
    cameraIds: z.array(CameraId).max(256, 'must list at most 256 cameras').optional(),
    /**
     * Edges of the days to check, increasing: day i is `[boundaries[i], boundaries[i + 1])`. The renderer computes
     * them in the workstation's time zone, so a DST day is 23 or 25 hours long.
     */
    boundaries: z
      .array(EpochMs)
      .min(2, 'must give at least one day (two boundaries)')
      .max(TIMELINE_DAYS_MAX + 1, `must give at most ${TIMELINE_DAYS_MAX} days`),
  })
  .refine((value) => value.boundaries.every((edge, i, all) => i === 0 || edge > (all[i - 1] ?? edge)), {
    message: 'must be strictly increasing',
    path: ['boundaries'],
  })
  .refine((value) => (value.boundaries.at(-1) ?? 0) - (value.boundaries[0] ?? 0) <= 62 * 24 * 3_600_000, {
    message: 'must span at most 62 days',
    path: ['boundaries'],
  });

export const TimelineDays = z.object({
  /** One entry per interval, in order: whether any of the cameras has footage in it. */
  days: z.array(z.object({ start: EpochMs, end: EpochMs, hasFootage: z.boolean() })),
});
export type TimelineDays = z.infer<typeof TimelineDays>;

/** Longest range `recordings.segments` answers (a day and its DST hour, with slack). */
export const SEGMENTS_RANGE_MAX_MS = 26 * 3_600_000;

export const RecordingSegmentsInput = z
  .strictObject({
    cameraId: CameraId,
    start: EpochMs,
    end: EpochMs,
  })
  .refine((value) => value.end > value.start, { message: 'must be after start', path: ['end'] })
  .refine((value) => value.end - value.start <= SEGMENTS_RANGE_MAX_MS, {
    message: 'must be at most 26 hours after start',
    path: ['end'],
  });

/** One recorded segment file as playback needs it (its bytes come from the media route or the bridge). */
export const RecordingSegment = z.object({
  id: z.number().int(),
  /** Wall-clock start and end (UTC ms, from the ingest clock). */
  start: EpochMs,
  end: EpochMs,
  bytes: z.number().int(),
  /** The continuous run it belongs to: a new run means a new ingest session (timestamps restart). */
  recordingId: z.number().int(),
});
export type RecordingSegment = z.infer<typeof RecordingSegment>;

export const RecordingSegments = z.object({
  cameraId: z.string(),
  /** Every segment overlapping the range, oldest first. */
  segments: z.array(RecordingSegment),
});
export type RecordingSegments = z.infer<typeof RecordingSegments>;

/** A segment id as `recordings.segments` lists it. */
export const SegmentId = z
  .number({ error: 'must be a segment id' })
  .int('must be a segment id')
  .positive('must be a segment id');

export const RecordingFragmentsInput = z.strictObject({ cameraId: CameraId, segmentId: SegmentId });

/**
 * One group of pictures of a segment file: a fragment that starts with a video keyframe and the fragments
 * after it up to the next one, contiguous bytes of the file. A player appends whole groups and removes whole
 * groups, so what stays in its buffer always starts at a keyframe.
 */
export const FragmentGroup = z.object({
  /** Byte offset of the group's first `moof` in the file, and the bytes up to the next group (or the end). */
  offset: z.number().int(),
  length: z.number().int(),
  /** Video decode time of its first frame, ms of the file's own clock (as `firstMs`). */
  startMs: z.number(),
  /** Sum of its video frame durations, ms. */
  durationMs: z.number(),
  /** Video frames in it. */
  frames: z.number().int(),
  /**
   * Starts with a keyframe. Only a file's first group may not (a file recovered after a crash that begins
   * mid-GOP): its frames cannot be decoded on their own.
   */
  keyframe: z.boolean(),
});
export type FragmentGroup = z.infer<typeof FragmentGroup>;

/**
 * Where a player finds the parts of a segment file without reading it whole: the init (`ftyp` + `moov`, bytes
 * `[0, initLength)`) and the groups of pictures after it, read from the file's box headers and its small
 * `moof` boxes only. The file's bytes are as recorded; this is an index beside them.
 */
export const RecordingFragments = z.object({
  segmentId: SegmentId,
  fileSize: z.number().int(),
  initLength: z.number().int(),
  /** The MSE type of the file's tracks, `video/mp4; codecs="avc1.42c01f,mp4a.40.2"`. */
  mime: z.string(),
  /** RFC 6381 codec string of the video track (`avc1.64001f`, `hvc1.1.6.L93.B0`). */
  videoCodec: z.string(),
  /** Decode time of the file's first video frame, ms of its own clock: the row's `start` is this moment. */
  firstMs: z.number(),
  /** In file order; whole fragments only (one cut short at the end of the file is left out). */
  groups: z.array(FragmentGroup),
});
export type RecordingFragments = z.infer<typeof RecordingFragments>;

/** Most bytes one ranged read of a segment file may ask for over IPC (a group of pictures is far smaller). */
export const SEGMENT_RANGE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * A read of one recorded segment file over the desktop bridge (the `segment` IPC channel; a browser uses the
 * segment route with a Range header instead). Without `start` and `length`, the whole file.
 */
export const SegmentBytesRequest = z
  .strictObject({
    cameraId: CameraId,
    segmentId: SegmentId,
    start: z.number().int('must be a byte offset').min(0, 'must be a byte offset').optional(),
    length: z
      .number()
      .int('must be a number of bytes')
      .min(1, 'must be at least one byte')
      .max(SEGMENT_RANGE_MAX_BYTES, `must be at most ${SEGMENT_RANGE_MAX_BYTES} bytes`)
      .optional(),
  })
  .refine((value) => (value.start === undefined) === (value.length === undefined), {
    message: 'start and length go together',
    path: ['length'],
  });
export type SegmentBytesRequest = z.infer<typeof SegmentBytesRequest>;

export const EventIdInput = z.strictObject({
  id: z.number({ error: 'must be an event id' }).int('must be an event id').positive('must be an event id'),
});

export const EventLockResult = z.object({ id: z.number().int(), locked: z.boolean() });

/** Most locked events `events.listLocked` answers (newest first). */
export const LOCKED_EVENTS_MAX = 1000;

/** A locked event: its footage, with the pre- and post-roll, survives retention until it is unlocked. */
export const LockedEvent = z.object({
  id: z.number().int(),
  cameraId: z.string(),
  /** The camera's name, or its id when the camera row is gone. */
  cameraName: z.string(),
  type: z.string(),
  startTime: EpochMs,
  /** Null while the event lasts: it then protects everything after its start. */
  endTime: EpochMs.nullable(),
  /** Indexed footage overlapping the event window (event ± pre/post-roll), from the database. */
  bytes: z.number().int(),
});
export type LockedEvent = z.infer<typeof LockedEvent>;
