import { z } from 'zod';
import { CameraStatus, type Camera } from '../../common/contract/index.js';
import type { EngineApi } from '../engine/ports.js';

/** What the tray needs to know about one camera. */
export interface CameraState {
  enabled: boolean;
  status: CameraStatus;
}

/** The tray's one-line status: its tooltip and the first (disabled) menu item. */
export interface TraySummary {
  label: string;
  tooltip: string;
  recording: number;
  enabled: number;
  /** Enabled cameras that are failing or reconnecting: what an operator should look at. */
  attention: number;
}

const NEEDS_ATTENTION: ReadonlySet<CameraStatus> = new Set<CameraStatus>([
  'reconnecting',
  'auth_failed',
  'error',
]);

export function summarizeCameras(cameras: Iterable<CameraState>): TraySummary {
  let total = 0;
  let enabled = 0;
  let recording = 0;
  let attention = 0;
  for (const camera of cameras) {
    total += 1;
    if (!camera.enabled) continue;
    enabled += 1;
    if (camera.status === 'recording') recording += 1;
    if (NEEDS_ATTENTION.has(camera.status)) attention += 1;
  }
  let label: string;
  if (total === 0) label = 'No cameras';
  else if (enabled === 0) label = 'No camera enabled';
  else label = `Recording ${recording} of ${enabled} ${enabled === 1 ? 'camera' : 'cameras'}`;
  if (attention > 0) label += ` (${attention} ${attention === 1 ? 'needs' : 'need'} attention)`;
  return { label, tooltip: `OmniSight: ${label}`, recording, enabled, attention };
}

// Only what the tray reads: a new field on Camera (or a stricter one) must not blank the tray's status.
const CameraStates = z.array(z.object({ id: z.string(), enabled: z.boolean(), status: CameraStatus }));

function stateOf(camera: Pick<Camera, 'enabled' | 'status'>): CameraState {
  return { enabled: camera.enabled, status: camera.status };
}

/**
 * Keeps a map of camera states from the engine's events, seeded by `cameras.list`. Events that arrive while
 * the list is in flight are held and replayed on top of it, so a camera added or removed at start-up is not
 * lost. Calls `onChange` after every change; returns the function that stops tracking.
 */
export function trackCameraStates(
  engine: Pick<EngineApi, 'call' | 'on'>,
  onChange: (states: ReadonlyMap<string, CameraState>) => void,
  onError: (error: unknown) => void,
): () => void {
  const states = new Map<string, CameraState>();
  // Fields of an object, not `let`s: they change inside callbacks, where the checker would narrow a `let`.
  const tracking: { pending: Array<() => void> | null; stopped: boolean } = { pending: [], stopped: false };
  const apply = (change: () => void): void => {
    if (tracking.stopped) return;
    if (tracking.pending !== null) {
      tracking.pending.push(change);
      return;
    }
    change();
    onChange(states);
  };
  const unsubscribes = [
    engine.on('cameras.added', (camera) => apply(() => states.set(camera.id, stateOf(camera)))),
    engine.on('cameras.updated', (camera) => apply(() => states.set(camera.id, stateOf(camera)))),
    engine.on('cameras.removed', ({ id }) => apply(() => states.delete(id))),
    engine.on('cameras.statusChanged', ({ id, status }) =>
      apply(() => {
        const known = states.get(id);
        if (known) states.set(id, { ...known, status });
      }),
    ),
  ];
  void (async () => {
    try {
      const parsed = CameraStates.safeParse(await engine.call('cameras.list', {}));
      if (parsed.success) {
        for (const camera of parsed.data) states.set(camera.id, stateOf(camera));
      } else if (!tracking.stopped) {
        onError(new Error('cameras.list answered with an unexpected shape'));
      }
    } catch (error) {
      // Without the list the tray still follows events; it just starts from nothing.
      if (!tracking.stopped) onError(error);
    }
    const replay = tracking.pending ?? [];
    tracking.pending = null;
    if (tracking.stopped) return;
    for (const change of replay) change();
    onChange(states);
  })();
  return () => {
    tracking.stopped = true;
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
