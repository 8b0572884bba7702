import {
  BYTES_PER_GB,
  fieldIssues,
  RemoteError,
  StorageSettingsInput,
  type FieldIssue,
  type MethodArgument,
  type StorageSettings,
} from '../../../../common/contract/index.js';

export const LIMIT_FIELDS = [
  'maxTotalGb',
  'minFreeGb',
  'minFreePercent',
  'eventPreRollSeconds',
  'eventPostRollSeconds',
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

export const CAMERA_RETENTION_FIELDS = ['retainDays', 'retainEventDays'] as const;
export type CameraRetentionField = (typeof CAMERA_RETENTION_FIELDS)[number];

/** Fields whose empty value means "no limit" (null); the others need a number. */
const NULLABLE_LIMITS: ReadonlySet<LimitField> = new Set(['maxTotalGb']);

/** What the retention editor holds: every number as typed, empty for "no limit" where that is allowed. */
export interface RetentionFormValues {
  limits: Record<LimitField, string>;
  cameras: Record<string, Record<CameraRetentionField, string>>;
}

/**
 * A message per field: `limits.minFreeGb`, `cameras.<cameraId>.retainDays`, and `form` for what belongs to no
 * field.
 */
export type RetentionErrors = Partial<Record<string, string>>;

function text(value: number | null): string {
  return value === null ? '' : String(value);
}

export function formValuesOf(settings: StorageSettings): RetentionFormValues {
  const limits = Object.fromEntries(
    LIMIT_FIELDS.map((field) => [field, text(settings.limits[field])]),
  ) as Record<LimitField, string>;
  const cameras: RetentionFormValues['cameras'] = {};
  for (const camera of settings.cameras) {
    cameras[camera.id] = {
      retainDays: text(camera.retainDays),
      retainEventDays: text(camera.retainEventDays),
    };
  }
  return { limits, cameras };
}

/**
 * A typed number for the schema to judge: empty is null (no limit), anything that is not a plain decimal is
 * NaN, which the schema answers with "must be a number of …".
 */
export function parseNumber(typed: string): number | null {
  const trimmed = typed.trim().replace(',', '.');
  if (trimmed === '') return null;
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Only what changed, so a save never rewrites a rule another window changed meanwhile. */
export function settingsInputOf(
  settings: StorageSettings,
  values: RetentionFormValues,
): { limits?: Partial<Record<LimitField, number | null>>; cameras?: Record<string, unknown>[] } {
  const limits: Partial<Record<LimitField, number | null>> = {};
  for (const field of LIMIT_FIELDS) {
    const parsed = parseNumber(values.limits[field]);
    // Empty in a field that needs a number: NaN, so the schema says it needs one.
    const value = parsed === null && !NULLABLE_LIMITS.has(field) ? Number.NaN : parsed;
    if (!Object.is(value, settings.limits[field])) limits[field] = value;
  }
  const cameras: Record<string, unknown>[] = [];
  for (const camera of settings.cameras) {
    const typed = values.cameras[camera.id];
    if (typed === undefined) continue;
    const retainDays = parseNumber(typed.retainDays);
    const retainEventDays = parseNumber(typed.retainEventDays);
    if (Object.is(retainDays, camera.retainDays) && Object.is(retainEventDays, camera.retainEventDays))
      continue;
    cameras.push({ id: camera.id, retainDays, retainEventDays });
  }
  return {
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(cameras.length > 0 ? { cameras } : {}),
  };
}

function sentence(message: string): string {
  // zod's own wording for a missing number ("Invalid input: expected number, received NaN") is for developers.
  if (/^Invalid input: expected number/.test(message)) return 'Must be a number';
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/**
 * Puts each issue beside its field. `cameras.<index>.<field>` paths name a position in the list that was
 * sent (`sentCameras`), which becomes the camera's id; the first issue of a field wins.
 */
export function errorsFromIssues(
  issues: readonly FieldIssue[],
  sentCameras: readonly { id?: unknown }[],
): RetentionErrors {
  const errors: RetentionErrors = {};
  for (const issue of issues) {
    const parts = issue.path.split('.');
    let key = 'form';
    if (parts[0] === 'limits' && (LIMIT_FIELDS as readonly string[]).includes(parts[1] ?? '')) {
      key = `limits.${parts[1]}`;
    } else if (parts[0] === 'cameras' && parts.length >= 3) {
      const id = sentCameras[Number(parts[1])]?.id;
      if (typeof id === 'string' && (CAMERA_RETENTION_FIELDS as readonly string[]).includes(parts[2] ?? ''))
        key = `cameras.${id}.${parts[2]}`;
    }
    errors[key] ??= key === 'form' ? `${issue.path}: ${issue.message}` : sentence(issue.message);
  }
  return errors;
}

/**
 * Checks the changes with the contract's schema, and the one rule that needs the disk: a GB floor at or over
 * the disk's size would mean deleting everything. Answers the argument for `storage.settings.set` or the
 * messages per field.
 */
export function validateRetention(
  settings: StorageSettings,
  values: RetentionFormValues,
  totalBytes: number,
):
  | { input: MethodArgument<'storage.settings.set'>; errors: null; sentCameras: { id?: unknown }[] }
  | { input: null; errors: RetentionErrors } {
  const raw = settingsInputOf(settings, values);
  const sentCameras = raw.cameras ?? [];
  const result = StorageSettingsInput.safeParse(raw);
  if (!result.success)
    return { input: null, errors: errorsFromIssues(fieldIssues(result.error), sentCameras) };
  const floorGb = result.data.limits?.minFreeGb;
  if (floorGb !== undefined && totalBytes > 0 && floorGb * BYTES_PER_GB >= totalBytes) {
    return {
      input: null,
      errors: {
        'limits.minFreeGb': `Must be below the disk size (${(totalBytes / BYTES_PER_GB).toFixed(1)} GB)`,
      },
    };
  }
  return { input: result.data, errors: null, sentCameras };
}

/** Places an engine refusal: `validation` issues beside their fields, anything else above the button. */
export function errorsFromRemote(error: unknown, sentCameras: readonly { id?: unknown }[]): RetentionErrors {
  if (!(error instanceof RemoteError)) {
    return { form: error instanceof Error ? error.message : 'The settings could not be saved.' };
  }
  const details = error.details;
  const listed: unknown[] =
    typeof details === 'object' && details !== null && Array.isArray((details as { issues?: unknown }).issues)
      ? (details as { issues: unknown[] }).issues
      : [];
  const issues = listed.filter(
    (issue): issue is FieldIssue =>
      typeof issue === 'object' &&
      issue !== null &&
      typeof (issue as FieldIssue).path === 'string' &&
      typeof (issue as FieldIssue).message === 'string',
  );
  if (error.code === 'validation' && issues.length > 0) {
    const errors = errorsFromIssues(issues, sentCameras);
    if (Object.keys(errors).some((key) => key !== 'form')) return errors;
  }
  return { form: error.message };
}

export function hasErrors(errors: RetentionErrors): boolean {
  return Object.values(errors).some((message) => message !== undefined);
}
