import { describe, expect, it } from 'vitest';
import { PAD, SPEEDS, ZOOM_IN, directionOfKey, velocityOf } from './ptz-controls.js';

describe('PTZ controls', () => {
  it('maps the arrow keys to pan and tilt and + / - to zoom', () => {
    expect(directionOfKey('ArrowLeft')).toEqual({ pan: -1, tilt: 0, zoom: 0 });
    expect(directionOfKey('ArrowUp')).toEqual({ pan: 0, tilt: 1, zoom: 0 });
    expect(directionOfKey('+')).toEqual(ZOOM_IN);
    expect(directionOfKey('-')).toEqual({ pan: 0, tilt: 0, zoom: -1 });
    expect(directionOfKey('a')).toBeNull();
  });

  it('scales by the speed and sends only the axes the camera has', () => {
    const both = { panTilt: true, zoom: true };
    expect(velocityOf({ pan: 1, tilt: -1, zoom: 0 }, 0.5, both)).toEqual({ pan: 0.5, tilt: -0.5 });
    expect(velocityOf(ZOOM_IN, 0.2, both)).toEqual({ zoom: 0.2 });
    // A zoom-only lens: pan and tilt buttons do nothing rather than send a move the camera refuses.
    expect(velocityOf({ pan: 1, tilt: 0, zoom: 0 }, 1, { panTilt: false, zoom: true })).toBeNull();
    expect(velocityOf(ZOOM_IN, 1, { panTilt: true, zoom: false })).toBeNull();
  });

  it('has eight directions around a stop button and speeds within the generic space', () => {
    expect(PAD.filter((button) => button.direction !== null)).toHaveLength(8);
    expect(PAD[4]?.id).toBe('stop');
    for (const speed of SPEEDS) expect(speed.value).toBeGreaterThan(0);
    for (const speed of SPEEDS) expect(speed.value).toBeLessThanOrEqual(1);
  });
});
