/**
 * The state of one camera's detection settings dialog, and the pure steps on it: the form from the engine's
 * settings, points from clicks, finishing a drawn shape, and the contract input (checked with the contract's own
 * schema, so the dialog shows the messages the engine would give).
 */
import {
  CameraDetectionSettings,
  POLYGON_POINTS_MAX,
  POLYGONS_MAX,
  polygonArea,
  polygonSelfIntersects,
  POLYGON_AREA_MIN,
  type CameraDetectionSettingsInput,
  type DetectionSettings,
} from '../../../../common/contract/index.js';

export type Point = [number, number];
export type Switch = 'inherit' | 'on' | 'off';

export interface ZoneForm {
  key: number;
  name: string;
  polygon: Point[];
  alert: boolean;
}

export interface DetectionForm {
  motion: Switch;
  objects: Switch;
  sensitivity: number;
  masks: { key: number; polygon: Point[] }[];
  zones: ZoneForm[];
}

export interface Drawing {
  kind: 'mask' | 'zone';
  points: Point[];
}

let nextKey = 1;
const key = (): number => nextKey++;

const switchOf = (value: boolean | null): Switch => (value === null ? 'inherit' : value ? 'on' : 'off');
const valueOf = (value: Switch): boolean | null => (value === 'inherit' ? null : value === 'on');

export function formOf(settings: DetectionSettings, cameraId: string): DetectionForm {
  const camera = settings.cameras[cameraId] ?? CameraDetectionSettings.parse({});
  return {
    motion: switchOf(camera.motion),
    objects: switchOf(camera.objects),
    sensitivity: camera.sensitivity,
    masks: camera.masks.map((polygon) => ({ key: key(), polygon: polygon.map(([x, y]): Point => [x, y]) })),
    zones: camera.zones.map((zone) => ({
      key: key(),
      name: zone.name,
      polygon: zone.polygon.map(([x, y]): Point => [x, y]),
      alert: zone.alert,
    })),
  };
}

/** Whether motion and objects end up on for this camera under the global settings. */
export function effective(
  form: DetectionForm,
  settings: DetectionSettings,
): { motion: boolean; objects: boolean } {
  const motion = valueOf(form.motion) ?? settings.motion;
  return { motion, objects: motion && (valueOf(form.objects) ?? settings.objects) };
}

export function inputOf(form: DetectionForm): CameraDetectionSettingsInput {
  return {
    motion: valueOf(form.motion),
    objects: valueOf(form.objects),
    sensitivity: form.sensitivity,
    masks: form.masks.map((mask) => mask.polygon),
    zones: form.zones.map((zone) => ({ name: zone.name.trim(), polygon: zone.polygon, alert: zone.alert })),
  };
}

/** Problems by field (`zones.1.name`, `masks.0`), as the engine would report them; empty when none. */
export function errorsOf(form: DetectionForm): Record<string, string> {
  const parsed = CameraDetectionSettings.safeParse(inputOf(form));
  const errors: Record<string, string> = {};
  for (const issue of parsed.error?.issues ?? []) {
    // A polygon's problem belongs to the shape, not to one of its points.
    const field = issue.path
      .slice(0, issue.path[0] === 'zones' ? 3 : 2)
      .map(String)
      .join('.');
    errors[field] ??= issue.message;
  }
  return errors;
}

const round = (value: number): number => Math.round(Math.min(1, Math.max(0, value)) * 10_000) / 10_000;

/** A click at (clientX, clientY) over an element's box, as a point in fractions of the frame. */
export function pointAt(
  box: { left: number; top: number; width: number; height: number },
  clientX: number,
  clientY: number,
): Point {
  return [round((clientX - box.left) / box.width), round((clientY - box.top) / box.height)];
}

/** Adds a point to the shape being drawn (at most the contract's number). */
export function addPoint(drawing: Drawing, point: Point): Drawing {
  if (drawing.points.length >= POLYGON_POINTS_MAX) return drawing;
  return { ...drawing, points: [...drawing.points, point] };
}

/** Why the drawn shape cannot be finished yet, or null when it can. */
export function finishProblem(drawing: Drawing): string | null {
  if (drawing.points.length < 3) return 'Click at least three corners on the picture';
  if (polygonSelfIntersects(drawing.points))
    return 'The edges cross: undo the last point and place it elsewhere';
  if (polygonArea(drawing.points) < POLYGON_AREA_MIN) return 'The shape has no area: spread the corners out';
  return null;
}

/** `Zone 1`, `Zone 2`, … the first name not taken (case-insensitive). */
export function nextZoneName(zones: readonly { name: string }[]): string {
  const taken = new Set(zones.map((zone) => zone.name.trim().toLowerCase()));
  for (let number = 1; ; number++) if (!taken.has(`zone ${number}`)) return `Zone ${number}`;
}

/** The form with the finished shape added (a mask, or a zone with the next free name). */
export function finish(form: DetectionForm, drawing: Drawing): DetectionForm {
  if (drawing.kind === 'mask') {
    return { ...form, masks: [...form.masks, { key: key(), polygon: drawing.points }] };
  }
  return {
    ...form,
    zones: [
      ...form.zones,
      { key: key(), name: nextZoneName(form.zones), polygon: drawing.points, alert: false },
    ],
  };
}

/** Whether another mask (or zone) may be drawn. */
export function canAdd(form: DetectionForm, kind: Drawing['kind']): boolean {
  return (kind === 'mask' ? form.masks.length : form.zones.length) < POLYGONS_MAX;
}

/** SVG `points` of a polygon in a 0..100 view box. */
export function svgPoints(points: readonly Point[]): string {
  return points.map(([x, y]) => `${(x * 100).toFixed(2)},${(y * 100).toFixed(2)}`).join(' ');
}

/** Where a shape's label goes: its topmost-leftmost corner, in percent. */
export function labelAnchor(points: readonly Point[]): { left: string; top: string } {
  const [x, y] = points.reduce(
    (best, point) => (point[1] < best[1] || (point[1] === best[1] && point[0] < best[0]) ? point : best),
    points[0] ?? [0, 0],
  );
  return { left: `${(x * 100).toFixed(2)}%`, top: `${(y * 100).toFixed(2)}%` };
}
