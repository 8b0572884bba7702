import type { StreamProbeResult } from '../../../../common/contract/index.js';
import { describeProbe } from './camera-form.js';

interface StreamCheckProps {
  result: StreamProbeResult;
}

/** What "Test connection" found: a line per stream, then the advice (warnings first). */
export function StreamCheck({ result }: StreamCheckProps) {
  const streams = [
    { role: 'Main stream', probe: result.main, testId: 'probe-main' },
    ...(result.sub === null ? [] : [{ role: 'Sub stream', probe: result.sub, testId: 'probe-sub' }]),
  ];
  const advice = [...result.advice].sort(
    (left, right) => Number(right.level === 'warning') - Number(left.level === 'warning'),
  );
  const failed = streams.some(({ probe }) => !probe.ok);
  return (
    <div
      className={failed ? 'notice notice--error notice--stacked' : 'notice notice--stacked'}
      role="status"
      data-testid="probe-result"
    >
      <ul className="probe__streams">
        {streams.map(({ role, probe, testId }) => (
          <li key={role} data-testid={testId} data-ok={probe.ok}>
            <strong>{role}:</strong> {probe.ok ? '' : 'failed: '}
            {describeProbe(probe)}
          </li>
        ))}
      </ul>
      {advice.length === 0 ? null : (
        <ul className="probe__advice">
          {advice.map((entry) => (
            <li
              key={entry.code}
              className={entry.level === 'warning' ? 'probe__warning' : 'probe__info'}
              data-testid={`advice-${entry.code}`}
            >
              {entry.level === 'warning' ? '⚠ ' : ''}
              {entry.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
