const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** `1536` → `1.5 KB` (powers of 1024, as file managers on the workstation show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** `93784000` → `1d 2h 3m 4s`; leading zero units are left out. */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days}d`);
  if (days > 0 || hours > 0) parts.push(`${hours}h`);
  if (days > 0 || hours > 0 || minutes > 0) parts.push(`${minutes}m`);
  parts.push(`${seconds}s`);
  return parts.join(' ');
}

/** `850` → `850 kbit/s`, `1234` → `1.23 Mbit/s` (network units: powers of 1000). */
export function formatBitrate(kbps: number): string {
  if (!Number.isFinite(kbps) || kbps < 0) return '—';
  if (kbps < 1000) return `${Math.round(kbps)} kbit/s`;
  const mbps = kbps / 1000;
  return `${mbps.toFixed(mbps >= 100 ? 0 : mbps >= 10 ? 1 : 2)} Mbit/s`;
}

/** `15` → `15 fps`, `14.87` → `14.9 fps`. */
export function formatFps(fps: number): string {
  if (!Number.isFinite(fps) || fps < 0) return '—';
  return `${Math.round(fps * 10) / 10} fps`;
}

/** CPU as % of one core: `3.4 %` under 10, `12 %` above; `—` when not measured. */
export function formatCpu(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct) || pct < 0) return '—';
  return `${pct < 10 ? Math.round(pct * 10) / 10 : Math.round(pct)} %`;
}

/** A short span for people: `7 s`, `2 min 5 s`, `3 h 4 min`, `2 d 1 h`. */
export function formatSpan(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return total % 60 === 0 ? `${minutes} min` : `${minutes} min ${total % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** `12000` → `12 s ago`; for a last segment, where minutes and more need no seconds. */
export function formatAge(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  if (total < 60) return `${total} s ago`;
  if (total < 3600) return `${Math.floor(total / 60)} min ago`;
  if (total < 86_400) return `${Math.floor(total / 3600)} h ago`;
  return `${Math.floor(total / 86_400)} d ago`;
}
