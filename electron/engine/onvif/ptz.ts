/**
 * PTZ over ONVIF (the ver20 PTZ service): continuous moves with a time limit, stop, and presets, for one media
 * profile of one signed-in device. Velocities are in the generic normalised space (-1 to 1), which every
 * ONVIF PTZ device supports; the device's configuration picks its own default spaces when none is named.
 */
import type { MediaProfile, OnvifDevice } from './device.js';
import { PTZ_NS } from './device.js';
import { OnvifError } from './errors.js';
import { childrenNamed, escapeXml, textAt } from './xml.js';

export interface PtzVelocity {
  /** Positive pans right. */
  readonly pan?: number;
  /** Positive tilts up. */
  readonly tilt?: number;
  /** Positive zooms in. */
  readonly zoom?: number;
}

export interface PtzPresetEntry {
  readonly token: string;
  readonly name: string;
}

export type PtzSupport =
  | { readonly supported: true; readonly panTilt: boolean; readonly zoom: boolean }
  | { readonly supported: false; readonly reason: string };

export interface PtzClient {
  /** Whether this profile can move: the device offers PTZ and the profile has a PTZ configuration. */
  support(): Promise<PtzSupport>;
  continuousMove(velocity: PtzVelocity, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  presets(): Promise<PtzPresetEntry[]>;
  gotoPreset(token: string): Promise<void>;
  /** Saves the current position; over `token` when given. Answers the preset's token. */
  setPreset(name: string, token?: string): Promise<string>;
}

/** xs:duration for a time limit: PT2S, PT0.5S. */
export function durationOf(ms: number): string {
  const seconds = Math.max(0, Math.round(ms)) / 1000;
  return `PT${Number(seconds.toFixed(3))}S`;
}

/** A velocity component as the device wants it: finite, clamped to -1..1, no exponent notation. */
function component(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError('PTZ velocity must be a finite number');
  const clamped = Math.min(1, Math.max(-1, value));
  return String(Number(clamped.toFixed(4)));
}

/** The ContinuousMove body (inside tptz:ContinuousMove) for a profile, a velocity and a time limit. */
export function continuousMoveBody(profileToken: string, velocity: PtzVelocity, timeoutMs: number): string {
  const moves: string[] = [];
  if (velocity.pan !== undefined || velocity.tilt !== undefined) {
    moves.push(`<tt:PanTilt x="${component(velocity.pan ?? 0)}" y="${component(velocity.tilt ?? 0)}"/>`);
  }
  if (velocity.zoom !== undefined) moves.push(`<tt:Zoom x="${component(velocity.zoom)}"/>`);
  if (moves.length === 0) throw new RangeError('A PTZ move needs a pan, tilt or zoom velocity');
  return (
    `<tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
    `<tptz:Velocity>${moves.join('')}</tptz:Velocity><tptz:Timeout>${durationOf(timeoutMs)}</tptz:Timeout>`
  );
}

export function createPtzClient(device: OnvifDevice, profileToken: string): PtzClient {
  const token = `<tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>`;

  const call = async (name: string, inner: string) => {
    const url = await device.getPtzUrl();
    if (url === undefined) throw new OnvifError('unsupported', 'The camera offers no PTZ service');
    return device.serviceCall(url, PTZ_NS, 'tptz', name, inner);
  };

  return {
    async support() {
      if ((await device.getPtzUrl()) === undefined) {
        return { supported: false, reason: 'The camera offers no PTZ service: it cannot pan, tilt or zoom.' };
      }
      const profiles: MediaProfile[] = await device.getProfiles();
      const profile = profiles.find((candidate) => candidate.token === profileToken);
      if (profile === undefined) {
        return {
          supported: false,
          reason:
            'The media profile this camera was added with no longer exists on the device; add it again with Find cameras.',
        };
      }
      if (profile.ptz === undefined || (!profile.ptz.panTilt && !profile.ptz.zoom)) {
        return {
          supported: false,
          reason: 'The camera has a PTZ service, but its profile has no PTZ configuration: it cannot move.',
        };
      }
      return { supported: true, panTilt: profile.ptz.panTilt, zoom: profile.ptz.zoom };
    },

    async continuousMove(velocity, timeoutMs) {
      await call('ContinuousMove', continuousMoveBody(profileToken, velocity, timeoutMs));
    },

    async stop() {
      await call('Stop', `${token}<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom>`);
    },

    async presets() {
      const body = await call('GetPresets', token);
      return childrenNamed(body, 'Preset')
        .map((preset) => {
          const presetToken = preset.attributes.token ?? '';
          return { token: presetToken, name: textAt(preset, 'Name') ?? presetToken };
        })
        .filter((preset) => preset.token !== '');
    },

    async gotoPreset(presetToken) {
      await call('GotoPreset', `${token}<tptz:PresetToken>${escapeXml(presetToken)}</tptz:PresetToken>`);
    },

    async setPreset(name, presetToken) {
      const body = await call(
        'SetPreset',
        `${token}<tptz:PresetName>${escapeXml(name)}</tptz:PresetName>` +
          (presetToken === undefined ? '' : `<tptz:PresetToken>${escapeXml(presetToken)}</tptz:PresetToken>`),
      );
      const saved = textAt(body, 'PresetToken') ?? presetToken;
      if (saved === undefined || saved === '') {
        throw new OnvifError('bad_response', 'The camera saved the preset but did not say its token');
      }
      return saved;
    },
  };
}
