/**
 * PTZ controls' pure parts: which way each control and key moves, how fast, and how a held control keeps the
 * camera moving (each move has a time limit on the camera, so the control repeats it while held).
 */

export interface Direction {
  /** -1 left, 1 right. */
  readonly pan: -1 | 0 | 1;
  /** -1 down, 1 up. */
  readonly tilt: -1 | 0 | 1;
  /** -1 out, 1 in. */
  readonly zoom: -1 | 0 | 1;
}

/** The camera's time limit on one move, ms: a lost "stop" ends the move by itself after this. */
export const HOLD_MOVE_MS = 2_000;
/** A held control sends the move again this often, well inside the time limit. */
export const HOLD_REPEAT_MS = 1_000;

export const SPEEDS = [
  { id: 'slow', label: 'Slow', value: 0.2 },
  { id: 'normal', label: 'Normal', value: 0.5 },
  { id: 'fast', label: 'Fast', value: 1 },
] as const;
export type SpeedId = (typeof SPEEDS)[number]['id'];

/** The eight pan/tilt buttons, in reading order around the stop button. */
export const PAD: readonly { id: string; label: string; symbol: string; direction: Direction | null }[] = [
  { id: 'up-left', label: 'Up and left', symbol: '↖', direction: { pan: -1, tilt: 1, zoom: 0 } },
  { id: 'up', label: 'Up', symbol: '↑', direction: { pan: 0, tilt: 1, zoom: 0 } },
  { id: 'up-right', label: 'Up and right', symbol: '↗', direction: { pan: 1, tilt: 1, zoom: 0 } },
  { id: 'left', label: 'Left', symbol: '←', direction: { pan: -1, tilt: 0, zoom: 0 } },
  { id: 'stop', label: 'Stop', symbol: '■', direction: null },
  { id: 'right', label: 'Right', symbol: '→', direction: { pan: 1, tilt: 0, zoom: 0 } },
  { id: 'down-left', label: 'Down and left', symbol: '↙', direction: { pan: -1, tilt: -1, zoom: 0 } },
  { id: 'down', label: 'Down', symbol: '↓', direction: { pan: 0, tilt: -1, zoom: 0 } },
  { id: 'down-right', label: 'Down and right', symbol: '↘', direction: { pan: 1, tilt: -1, zoom: 0 } },
];

export const ZOOM_IN: Direction = { pan: 0, tilt: 0, zoom: 1 };
export const ZOOM_OUT: Direction = { pan: 0, tilt: 0, zoom: -1 };

/** What a key does while the PTZ panel has the focus: arrows pan and tilt, + and - zoom. */
export function directionOfKey(key: string): Direction | null {
  switch (key) {
    case 'ArrowLeft':
      return { pan: -1, tilt: 0, zoom: 0 };
    case 'ArrowRight':
      return { pan: 1, tilt: 0, zoom: 0 };
    case 'ArrowUp':
      return { pan: 0, tilt: 1, zoom: 0 };
    case 'ArrowDown':
      return { pan: 0, tilt: -1, zoom: 0 };
    case '+':
    case '=':
      return ZOOM_IN;
    case '-':
    case '_':
      return ZOOM_OUT;
    default:
      return null;
  }
}

/** The `ptz.move` velocities for a direction at a speed; only the axes the camera has are sent. */
export function velocityOf(
  direction: Direction,
  speed: number,
  axes: { panTilt: boolean; zoom: boolean },
): { pan?: number; tilt?: number; zoom?: number } | null {
  const velocity: { pan?: number; tilt?: number; zoom?: number } = {};
  if (axes.panTilt && (direction.pan !== 0 || direction.tilt !== 0)) {
    velocity.pan = direction.pan * speed;
    velocity.tilt = direction.tilt * speed;
  }
  if (axes.zoom && direction.zoom !== 0) velocity.zoom = direction.zoom * speed;
  return Object.keys(velocity).length === 0 ? null : velocity;
}
