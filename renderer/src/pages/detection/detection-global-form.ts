/**
 * The System page's detection section: the settings every camera shares (switches for all cameras, the decode
 * rate and width, which labels make events and from what score, hits and end delay), as strings while typed and
 * checked with the contract's schema, so the messages are the engine's.
 */
import {
  DETECTION_LABELS,
  DetectionSettingsInput,
  fieldIssues,
  type DetectionSettings,
  type MethodArgument,
} from '../../../../common/contract/index.js';

export type DetectionLabelName = (typeof DETECTION_LABELS)[number];

export interface LabelRow {
  label: DetectionLabelName;
  /** Makes events. */
  on: boolean;
  /** Minimum score in percent, as typed. */
  minScore: string;
  /** Kept as stored: the form does not edit the area filters. */
  minArea: number;
  maxArea: number;
}

export interface DetectionGlobalForm {
  motion: boolean;
  objects: boolean;
  fps: string;
  width: string;
  minHits: string;
  endAfterSeconds: string;
  labels: LabelRow[];
}

const DEFAULT_SCORE = 0.6;

export function globalFormOf(settings: DetectionSettings): DetectionGlobalForm {
  return {
    motion: settings.motion,
    objects: settings.objects,
    fps: String(settings.fps),
    width: String(settings.width),
    minHits: String(settings.minHits),
    endAfterSeconds: String(settings.endAfterSeconds),
    labels: DETECTION_LABELS.map((label) => {
      const filter = settings.labels[label];
      return {
        label,
        on: filter !== undefined,
        minScore: String(Math.round((filter?.minScore ?? DEFAULT_SCORE) * 100)),
        minArea: filter?.minArea ?? 0,
        maxArea: filter?.maxArea ?? 1,
      };
    }),
  };
}

/** Plain decimal numbers only; anything else is NaN for the schema to refuse ("expected number"). */
function numberOf(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function globalInputOf(form: DetectionGlobalForm): MethodArgument<'detection.settings.set'> {
  const labels: Record<string, { minScore: number; minArea: number; maxArea: number }> = {};
  for (const row of form.labels) {
    if (row.on)
      labels[row.label] = {
        minScore: numberOf(row.minScore) / 100,
        minArea: row.minArea,
        maxArea: row.maxArea,
      };
  }
  return {
    motion: form.motion,
    objects: form.objects,
    fps: numberOf(form.fps),
    width: numberOf(form.width),
    minHits: numberOf(form.minHits),
    endAfterSeconds: numberOf(form.endAfterSeconds),
    labels,
  };
}

const FIELD_NAMES: Readonly<Record<string, string>> = {
  fps: 'Frames per second',
  width: 'Width',
  minHits: 'Frames to confirm',
  endAfterSeconds: 'End after',
  labels: 'Labels',
};

/**
 * Messages by field (`fps`, `labels`, `labels.person`), from the contract's check. A label's score is shown in
 * percent, so its message is given in percent too.
 */
export function validateGlobal(input: MethodArgument<'detection.settings.set'>): Record<string, string> {
  const result = DetectionSettingsInput.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of fieldIssues(result.error)) {
    const [field, label] = issue.path.split('.');
    if (field === 'labels' && label !== undefined && label !== '') {
      errors[`labels.${label}`] ??= 'Minimum score must be a number from 0 to 100 %';
      continue;
    }
    const key = field === undefined || field === '' ? 'form' : field;
    // What was typed is not a number at all: zod's own wording names NaN, which says nothing to the operator.
    const message = /expected number/.test(issue.message) ? 'must be a number' : issue.message;
    errors[key] ??= `${FIELD_NAMES[key] ?? key}: ${message}`;
  }
  return errors;
}
