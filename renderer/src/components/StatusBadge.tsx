import type { CameraStatus } from '../../../common/contract/index.js';

type Tone = 'ok' | 'pending' | 'bad' | 'rest';

// Keyed by string, not exhaustively by CameraStatus: a renderer may talk to a newer engine node that reports a
// status this build does not know yet, and that status must still show (humanised, in the neutral tone).
const STATUS_LABELS: Readonly<Partial<Record<string, string>>> = {
  idle: 'Idle',
  disabled: 'Disabled',
  connecting: 'Connecting',
  recording: 'Recording',
  reconnecting: 'Reconnecting',
  auth_failed: 'Auth failed',
  error: 'Error',
};

/** Colour by severity: green records, amber is on its way, red needs the operator, grey is at rest. */
const STATUS_TONES: Readonly<Partial<Record<string, Tone>>> = {
  connecting: 'pending',
  recording: 'ok',
  reconnecting: 'pending',
  auth_failed: 'bad',
  error: 'bad',
};

function labelOf(status: string): string {
  const label = STATUS_LABELS[status];
  if (label !== undefined) return label;
  const words = status.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function StatusBadge({ status, reason }: { status: CameraStatus; reason: string | null }) {
  return (
    <span className="status" data-testid="camera-status">
      <span className={`badge badge--${STATUS_TONES[status] ?? 'rest'}`} data-status={status}>
        {labelOf(status)}
      </span>
      {reason === null || reason === '' ? null : <span className="status__reason">{reason}</span>}
    </span>
  );
}
