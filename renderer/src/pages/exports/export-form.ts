import { EXPORT_RANGE_MAX_MS, type ExportCreateInput } from '../../../../common/contract/index.js';

/** What the form holds: camera ids ticked, and the range as `datetime-local` values (local time). */
export interface ExportFormValues {
  cameraIds: string[];
  start: string;
  end: string;
}

export type ExportFormErrors = Partial<Record<'cameraIds' | 'start' | 'end', string>>;

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A `datetime-local` value (`2026-04-01T12:30` or with seconds) as UTC milliseconds, read in the browser's
 * time zone; null when it is not a real time. A local time that a daylight-saving change skips moves forward
 * the way the browser's `Date` moves it.
 */
export function localInputToUtc(value: string): number | null {
  const match = LOCAL_INPUT.exec(value.trim());
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((part: string | undefined) => Number(part ?? 0));
  const date = new Date(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
  // Date rolls 2026-02-30 over to March: refuse instead of exporting a day the person did not ask for.
  if (date.getFullYear() !== year || date.getMonth() !== (month ?? 1) - 1 || date.getDate() !== day)
    return null;
  return date.getTime();
}

/** UTC milliseconds as a `datetime-local` value with seconds, in the browser's time zone. */
export function utcToLocalInput(utcMs: number): string {
  const date = new Date(utcMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Checks the form; answers the `exports.create` argument, or a message per field. */
export function validateExportForm(
  values: ExportFormValues,
): { input: ExportCreateInput; errors: null } | { input: null; errors: ExportFormErrors } {
  const errors: ExportFormErrors = {};
  if (values.cameraIds.length === 0) errors.cameraIds = 'Pick at least one camera';
  const start = localInputToUtc(values.start);
  const end = localInputToUtc(values.end);
  if (start === null) errors.start = 'Enter a start date and time';
  if (end === null) errors.end = 'Enter an end date and time';
  else if (start !== null && end <= start) errors.end = 'The end must be after the start';
  else if (start !== null && end - start > EXPORT_RANGE_MAX_MS)
    errors.end = 'An export covers at most 24 hours';
  if (Object.keys(errors).length > 0 || start === null || end === null) return { input: null, errors };
  return { input: { cameraIds: values.cameraIds, startTime: start, endTime: end }, errors: null };
}
