import type { CameraStatus } from '../../../common/contract/index.js';
import { formatSpan } from '../format.js';
import { useNow } from '../hooks.js';

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

/** Statuses after a failed attempt, where the engine tries again at `nextAttemptAt`. */
const RETRYING: ReadonlySet<string> = new Set(['reconnecting', 'auth_failed', 'error']);

export const AUTH_FAILED_MESSAGE = 'The camera refused the user name or password.';

function labelOf(status: string): string {
  const label = STATUS_LABELS[status];
  if (label !== undefined) return label;
  const words = status.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `retrying in 7 s`, counting down every second; `retrying now…` once the time has come. */
function RetryCountdown({ at }: { at: number }) {
  const now = useNow(1000);
  const remaining = at - now;
  return (
    <span className="status__retry" data-testid="status-retry">
      {remaining >= 500 ? `retrying in ${formatSpan(remaining)}` : 'retrying now…'}
    </span>
  );
}

interface StatusBadgeProps {
  status: CameraStatus;
  reason: string | null;
  /** When the engine tries again (UTC ms), from the health figures or the last status event. */
  nextAttemptAt?: number | null;
}

/**
 * The status as a coloured badge, with what explains it: the countdown to the next attempt, the last error
 * while reconnecting, and for a refused login a plain sentence saying so.
 */
export function StatusBadge({ status, reason, nextAttemptAt = null }: StatusBadgeProps) {
  const hasReason = reason !== null && reason !== '';
  // The engine's reason usually says it already; when it does not (or there is none), say it here.
  const authSentence =
    status === 'auth_failed' && !(hasReason && /user ?name|password/i.test(reason))
      ? AUTH_FAILED_MESSAGE
      : null;
  return (
    <span className="status" data-testid="camera-status">
      <span className={`badge badge--${STATUS_TONES[status] ?? 'rest'}`} data-status={status}>
        {labelOf(status)}
      </span>
      {nextAttemptAt !== null && RETRYING.has(status) ? <RetryCountdown at={nextAttemptAt} /> : null}
      {authSentence === null ? null : (
        <span className="status__reason status__reason--strong" data-testid="status-auth">
          {authSentence}
        </span>
      )}
      {hasReason ? (
        <span
          className={status === 'auth_failed' ? 'status__reason status__reason--strong' : 'status__reason'}
        >
          {status === 'reconnecting' ? <span className="status__label">Last error: </span> : null}
          <span data-testid="status-reason">{reason}</span>
        </span>
      ) : null}
      {status === 'auth_failed' ? (
        <span className="status__hint">Check the user name and password with Edit.</span>
      ) : null}
    </span>
  );
}
