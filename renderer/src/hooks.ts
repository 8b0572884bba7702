import { useEffect, useState } from 'react';
import { useServices } from './app-context.js';

/** The local clock, re-read every `intervalMs` while `active` (so a row at rest does not re-render). */
export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    // At once (the clock may have been idle a while), then every interval.
    const first = window.setTimeout(tick, 0);
    const timer = window.setInterval(tick, intervalMs);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [intervalMs, active]);
  return now;
}

/** Keeps `cameras.health` polled while the calling page is shown. */
export function useHealthPolling(): void {
  const { health } = useServices();
  useEffect(() => health.getState().watch(), [health]);
}
