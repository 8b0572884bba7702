import {
  CameraAddInput,
  CameraUpdateInput,
  fieldIssues,
  RemoteError,
  RECORD_ROLL_SECONDS_DEFAULT,
  SEGMENT_SECONDS_DEFAULT,
  StreamProbeInput,
  type Camera,
  type FieldIssue,
  type RecordMode,
  type StreamProbe,
} from '../../../../common/contract/index.js';

export type RtspTransportChoice = Camera['rtspTransport'];

/** What the add and edit forms hold; every text field is a string, empty when not given. */
export interface CameraFormValues {
  name: string;
  rtspUrl: string;
  subStreamUrl: string;
  username: string;
  /** Edit form: empty keeps the stored password. */
  password: string;
  /** Edit form only: sends `password: null`. */
  clearPassword: boolean;
  enabled: boolean;
  /** As typed; checked with the contract's schema (2 to 900 whole seconds). */
  segmentSeconds: string;
  rtspTransport: RtspTransportChoice;
  recordMode: RecordMode;
  /** As typed, like the segment length (0 to 300 whole seconds). */
  preRollSeconds: string;
  postRollSeconds: string;
}

export const CAMERA_FIELDS = [
  'name',
  'rtspUrl',
  'subStreamUrl',
  'username',
  'password',
  'enabled',
  'segmentSeconds',
  'rtspTransport',
  'recordMode',
  'preRollSeconds',
  'postRollSeconds',
] as const;
export type CameraField = (typeof CAMERA_FIELDS)[number];

export const FIELD_LABELS: Readonly<Record<CameraField, string>> = {
  name: 'Name',
  rtspUrl: 'RTSP URL',
  subStreamUrl: 'Sub-stream URL',
  username: 'Username',
  password: 'Password',
  enabled: 'Enabled',
  segmentSeconds: 'Segment length',
  rtspTransport: 'RTSP transport',
  recordMode: 'Keep footage',
  preRollSeconds: 'Pre-roll',
  postRollSeconds: 'Post-roll',
};

/** What each recording mode keeps, as the form offers it. */
export const RECORD_MODE_LABELS: Readonly<Record<RecordMode, string>> = {
  continuous: 'Continuous: everything',
  motion: 'Motion only: around motion',
  events: 'Events only: around detected objects',
};

/** A message per field, plus `form` for what belongs to no field. */
export type FormErrors = { [K in CameraField | 'form']?: string | undefined };

export const EMPTY_FORM: CameraFormValues = {
  name: '',
  rtspUrl: '',
  subStreamUrl: '',
  username: '',
  password: '',
  clearPassword: false,
  enabled: true,
  segmentSeconds: String(SEGMENT_SECONDS_DEFAULT),
  rtspTransport: 'tcp',
  recordMode: 'continuous',
  preRollSeconds: String(RECORD_ROLL_SECONDS_DEFAULT),
  postRollSeconds: String(RECORD_ROLL_SECONDS_DEFAULT),
};

/**
 * The typed segment length as a number for the schema to judge: empty or not a number becomes NaN, which the
 * schema answers with "must be a number of seconds".
 */
export function parseSeconds(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function formValuesOf(camera: Camera): CameraFormValues {
  return {
    name: camera.name,
    rtspUrl: camera.rtspUrl,
    subStreamUrl: camera.subStreamUrl ?? '',
    username: camera.username ?? '',
    password: '',
    clearPassword: false,
    enabled: camera.enabled,
    segmentSeconds: String(camera.segmentSeconds),
    rtspTransport: camera.rtspTransport,
    recordMode: camera.recordMode,
    preRollSeconds: String(camera.preRollSeconds),
    postRollSeconds: String(camera.postRollSeconds),
  };
}

export function addInputOf(values: CameraFormValues): CameraAddInput {
  const subStreamUrl = values.subStreamUrl.trim();
  const segmentSeconds = parseSeconds(values.segmentSeconds);
  const preRollSeconds = parseSeconds(values.preRollSeconds);
  const postRollSeconds = parseSeconds(values.postRollSeconds);
  // The defaults are the engine's too; leaving them out keeps the request to what the operator chose.
  return {
    name: values.name,
    rtspUrl: values.rtspUrl.trim(),
    enabled: values.enabled,
    ...(subStreamUrl === '' ? {} : { subStreamUrl }),
    ...(values.username === '' ? {} : { username: values.username }),
    ...(values.password === '' ? {} : { password: values.password }),
    ...(segmentSeconds === SEGMENT_SECONDS_DEFAULT ? {} : { segmentSeconds }),
    ...(values.rtspTransport === 'tcp' ? {} : { rtspTransport: values.rtspTransport }),
    ...(values.recordMode === 'continuous' ? {} : { recordMode: values.recordMode }),
    ...(preRollSeconds === RECORD_ROLL_SECONDS_DEFAULT ? {} : { preRollSeconds }),
    ...(postRollSeconds === RECORD_ROLL_SECONDS_DEFAULT ? {} : { postRollSeconds }),
  };
}

/** Only what changed, so an edit never rewrites fields another window changed meanwhile. */
export function updateInputOf(camera: Camera, values: CameraFormValues): CameraUpdateInput {
  const input: CameraUpdateInput = { id: camera.id };
  if (values.name.trim() !== camera.name) input.name = values.name;
  const rtspUrl = values.rtspUrl.trim();
  if (rtspUrl !== camera.rtspUrl) input.rtspUrl = rtspUrl;
  const subStreamUrl = values.subStreamUrl.trim();
  if (subStreamUrl !== (camera.subStreamUrl ?? ''))
    input.subStreamUrl = subStreamUrl === '' ? null : subStreamUrl;
  if (values.username !== (camera.username ?? ''))
    input.username = values.username === '' ? null : values.username;
  if (values.clearPassword) input.password = null;
  else if (values.password !== '') input.password = values.password;
  if (values.enabled !== camera.enabled) input.enabled = values.enabled;
  const segmentSeconds = parseSeconds(values.segmentSeconds);
  if (segmentSeconds !== camera.segmentSeconds) input.segmentSeconds = segmentSeconds;
  if (values.rtspTransport !== camera.rtspTransport) input.rtspTransport = values.rtspTransport;
  if (values.recordMode !== camera.recordMode) input.recordMode = values.recordMode;
  const preRollSeconds = parseSeconds(values.preRollSeconds);
  if (preRollSeconds !== camera.preRollSeconds) input.preRollSeconds = preRollSeconds;
  const postRollSeconds = parseSeconds(values.postRollSeconds);
  if (postRollSeconds !== camera.postRollSeconds) input.postRollSeconds = postRollSeconds;
  return input;
}

function fieldOf(path: string): CameraField | null {
  // Server paths may be nested (`patch.rtspUrl`); the field is the segment that names one.
  return CAMERA_FIELDS.find((field) => path.split('.').includes(field)) ?? null;
}

/** Puts each issue next to its field (`Name must not be empty`); the first issue of a field wins. */
export function errorsFromIssues(issues: readonly FieldIssue[]): FormErrors {
  const errors: FormErrors = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    const key = field ?? 'form';
    errors[key] ??= field === null ? issue.message : `${FIELD_LABELS[field]} ${issue.message}`;
  }
  return errors;
}

/** The same check the engine runs, so a bad field is reported before anything is sent. */
export function validateAdd(input: CameraAddInput): FormErrors {
  const result = CameraAddInput.safeParse(input);
  return result.success ? {} : errorsFromIssues(fieldIssues(result.error));
}

export function validateUpdate(input: CameraUpdateInput): FormErrors {
  const result = CameraUpdateInput.safeParse(input);
  return result.success ? {} : errorsFromIssues(fieldIssues(result.error));
}

function isFieldIssue(value: unknown): value is FieldIssue {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.path === 'string' && typeof candidate.message === 'string';
}

function detailsOf(error: RemoteError): Record<string, unknown> {
  return typeof error.details === 'object' && error.details !== null
    ? (error.details as Record<string, unknown>)
    : {};
}

/**
 * Places an error the engine answered: `validation` issues beside their fields, a `conflict` (say, a duplicate
 * URL) beside the field its details name, anything else above the buttons.
 */
export function errorsFromRemote(error: unknown): FormErrors {
  if (!(error instanceof RemoteError)) {
    return { form: error instanceof Error ? error.message : 'The request failed.' };
  }
  const details = detailsOf(error);
  if (error.code === 'validation' && Array.isArray(details.issues)) {
    const errors = errorsFromIssues(details.issues.filter(isFieldIssue));
    if (Object.keys(errors).length > 0) return errors;
  }
  if (error.code === 'conflict' && typeof details.field === 'string') {
    const field = fieldOf(details.field);
    // Beside the field, the engine's `rtspUrl: ` prefix says nothing the placement does not.
    const message = error.message.startsWith(`${details.field}: `)
      ? error.message.slice(details.field.length + 2)
      : error.message;
    if (field !== null) return { [field]: message.charAt(0).toUpperCase() + message.slice(1) };
  }
  return { form: error.message };
}

export function hasErrors(errors: FormErrors): boolean {
  return errors.form !== undefined || CAMERA_FIELDS.some((field) => errors[field] !== undefined);
}

/** The connection test's argument: the stream fields of the add form, as `cameras.add` would take them. */
export function probeInputOf(values: CameraFormValues): StreamProbeInput {
  const add = addInputOf(values);
  return {
    rtspUrl: add.rtspUrl,
    ...(add.subStreamUrl === undefined ? {} : { subStreamUrl: add.subStreamUrl }),
    ...(add.username === undefined ? {} : { username: add.username }),
    ...(add.password === undefined ? {} : { password: add.password }),
    ...(add.rtspTransport === undefined ? {} : { rtspTransport: add.rtspTransport }),
  };
}

/** The stream fields' problems only: a connection test needs no name yet. */
export function validateProbe(input: StreamProbeInput): FormErrors {
  const result = StreamProbeInput.safeParse(input);
  return result.success ? {} : errorsFromIssues(fieldIssues(result.error));
}

const CODEC_NAMES: Readonly<Record<string, string>> = {
  h264: 'H.264',
  hevc: 'H.265',
  mjpeg: 'MJPEG',
  aac: 'AAC',
  pcm_mulaw: 'G.711 µ-law',
  pcm_alaw: 'G.711 A-law',
  opus: 'Opus',
};
const codecName = (codec: string): string => CODEC_NAMES[codec] ?? codec;

/** One line about a probed stream: `H.264 (High), 1920×1080, 25 fps, keyframe every 1 s; audio AAC 48 kHz mono`. */
export function describeProbe(probe: StreamProbe): string {
  if (!probe.ok) return probe.message;
  const { video, audio } = probe;
  const parts = [
    `${codecName(video.codec)}${video.profile === null ? '' : ` (${video.profile})`}`,
    `${video.width}×${video.height}`,
    ...(video.fps === null ? [] : [`${video.fps} fps`]),
    video.keyframeIntervalSeconds !== null
      ? `keyframe every ${video.keyframeIntervalSeconds} s`
      : video.probedSeconds > 0
        ? `keyframe interval over ${Math.floor(video.probedSeconds)} s`
        : null,
  ].filter((part): part is string => part !== null);
  const sound =
    audio === null
      ? 'no audio'
      : `audio ${codecName(audio.codec)}` +
        (audio.sampleRate === null ? '' : ` ${audio.sampleRate / 1000} kHz`) +
        (audio.channels === null
          ? ''
          : audio.channels === 1
            ? ' mono'
            : audio.channels === 2
              ? ' stereo'
              : ` ${audio.channels} ch`);
  return `${parts.join(', ')}; ${sound}`;
}
