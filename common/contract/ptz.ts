import { z } from 'zod';
import { CONTROL_CHARACTERS, CameraId } from './cameras.js';

/**
 * PTZ (pan, tilt, zoom) of cameras added through ONVIF. Moves are continuous: a velocity from -1 to 1 on each
 * axis (the device's normalised generic velocity space) that the camera keeps until `ptz.stop` or until the
 * move's own time limit runs out, so a lost "stop" (closed tab, dropped network) never leaves a camera turning.
 */
export const PTZ_PRESET_NAME_MAX = 64;
/** How long one move lasts at most unless it is repeated; a held control repeats it. */
export const PTZ_MOVE_MS_DEFAULT = 2_000;
export const PTZ_MOVE_MS_MAX = 10_000;

const Velocity = z
  .number({ error: 'must be a number from -1 to 1' })
  .min(-1, 'must be from -1 to 1')
  .max(1, 'must be from -1 to 1');

export const PtzMoveInput = z
  .strictObject({
    id: CameraId,
    /** Positive pans right. */
    pan: Velocity.optional(),
    /** Positive tilts up. */
    tilt: Velocity.optional(),
    /** Positive zooms in. */
    zoom: Velocity.optional(),
    /** The camera stops by itself after this long (ms) unless the move is sent again. */
    timeoutMs: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100 ms')
      .max(PTZ_MOVE_MS_MAX, `must be at most ${PTZ_MOVE_MS_MAX} ms`)
      .optional(),
  })
  .refine((input) => (input.pan ?? 0) !== 0 || (input.tilt ?? 0) !== 0 || (input.zoom ?? 0) !== 0, {
    message: 'must move on at least one axis (pan, tilt or zoom); use ptz.stop to stop',
    path: ['pan'],
  });
export type PtzMoveInput = z.input<typeof PtzMoveInput>;

/** A preset token as the camera gave it. */
export const PtzPresetToken = z
  .string({ error: 'is required' })
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

export const PtzPresetName = z
  .string({ error: 'is required' })
  .trim()
  .refine((value) => value.length > 0, 'must not be empty')
  .refine(
    (value) => Array.from(value).length <= PTZ_PRESET_NAME_MAX,
    `must be at most ${PTZ_PRESET_NAME_MAX} characters`,
  )
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

export const PtzGotoPresetInput = z.strictObject({ id: CameraId, preset: PtzPresetToken });

/** Saves the camera's current position as a preset: a new one, or over `preset` when given. */
export const PtzSetPresetInput = z.strictObject({
  id: CameraId,
  name: PtzPresetName,
  preset: PtzPresetToken.optional(),
});
export type PtzSetPresetInput = z.input<typeof PtzSetPresetInput>;

export const PtzPreset = z.object({ token: z.string(), name: z.string() });
export type PtzPreset = z.infer<typeof PtzPreset>;

/** Whether the camera can be moved, read from the device each time it is asked. */
export const PtzInfo = z.discriminatedUnion('supported', [
  z.object({
    supported: z.literal(true),
    /** The camera can pan and tilt (a motorised-lens bullet camera may only zoom). */
    panTilt: z.boolean(),
    /** The camera can zoom. */
    zoom: z.boolean(),
    presets: z.array(PtzPreset),
  }),
  z.object({ supported: z.literal(false), reason: z.string() }),
]);
export type PtzInfo = z.infer<typeof PtzInfo>;

export const PtzDone = z.object({ ok: z.literal(true) });
export const PtzPresetSaved = z.object({ preset: PtzPreset });
