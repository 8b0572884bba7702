import { describe, expect, it } from 'vitest';
import { continuousMoveBody, durationOf } from './ptz.js';

describe('PTZ request bodies', () => {
  it('writes the time limit as an xs:duration', () => {
    expect(durationOf(2_000)).toBe('PT2S');
    expect(durationOf(1_500)).toBe('PT1.5S');
    expect(durationOf(100)).toBe('PT0.1S');
  });

  it('sends only the axes asked for, clamped to the generic space, with the token escaped', () => {
    expect(continuousMoveBody('main', { pan: 0.5, tilt: -1 }, 2_000)).toBe(
      '<tptz:ProfileToken>main</tptz:ProfileToken><tptz:Velocity><tt:PanTilt x="0.5" y="-1"/></tptz:Velocity>' +
        '<tptz:Timeout>PT2S</tptz:Timeout>',
    );
    expect(continuousMoveBody('a&b', { zoom: 3 }, 1_000)).toBe(
      '<tptz:ProfileToken>a&amp;b</tptz:ProfileToken><tptz:Velocity><tt:Zoom x="1"/></tptz:Velocity>' +
        '<tptz:Timeout>PT1S</tptz:Timeout>',
    );
    // A tilt alone still sends pan 0: ONVIF's PanTilt vector has both.
    expect(continuousMoveBody('main', { tilt: 1e-7 }, 1_000)).toContain('<tt:PanTilt x="0" y="0"/>');
  });

  it('refuses a move with no axis and a velocity that is not a number', () => {
    expect(() => continuousMoveBody('main', {}, 1_000)).toThrow(/needs a pan, tilt or zoom/);
    expect(() => continuousMoveBody('main', { pan: Number.NaN }, 1_000)).toThrow(/finite/);
  });
});
