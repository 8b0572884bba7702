/**
 * CPU used by child processes (a camera's FFmpeg), as % of one core over a recent window, for the health
 * figures. Read from /proc on Linux; elsewhere the reader answers null and so does the meter (the System page
 * then says it is not measured), rather than guessing.
 */
import fs from 'node:fs';

/** User + system CPU seconds of one process so far, or null when unknown (gone, or not Linux). */
export type CpuReader = (pid: number) => number | null;

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every Linux the app runs on). */
const TICKS_PER_SECOND = 100;

/**
 * The fields of /proc/<pid>/stat after the command name, so index 0 is field 3 (state) of proc(5); null when
 * the process is gone or this is not Linux. The name may hold spaces and parentheses: the fields start after
 * the last ')'.
 */
export function procStatFields(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export const readProcCpuSeconds: CpuReader = (pid) => {
  const fields = procStatFields(pid);
  if (fields === null) return null;
  // Fields 14 and 15: utime and stime.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : null;
};

/** Shortest window a figure is given for: shorter ones are mostly tick rounding. */
const MIN_WINDOW_MS = 1_000;

/**
 * CPU of a changing set of processes (FFmpeg restarts get new pids) over about the last `windowMs`, from
 * samples taken when asked (health polls), so nothing runs while nobody looks. A pid absent from the window's
 * first sample started after it, so all its CPU time counts; a pid that ended inside the window loses its
 * last share, which only ever under-reports for that window.
 */
export class CpuMeter {
  private samples: { at: number; cpu: Map<number, number> }[] = [];

  constructor(
    private readonly read: CpuReader = readProcCpuSeconds,
    private readonly windowMs = 10_000,
  ) {}

  /** % of one core `pids` used over the window ending at `at` (monotonic ms); null until it can tell. */
  measure(pids: readonly number[], at: number): number | null {
    const cpu = new Map<number, number>();
    for (const pid of pids) {
      const seconds = this.read(pid);
      if (seconds !== null) cpu.set(pid, seconds);
    }
    if (cpu.size === 0) {
      // Nothing running (or nothing readable): an old window would describe processes that are gone.
      this.samples = [];
      return null;
    }
    const last = this.samples.at(-1);
    if (last === undefined || at - last.at >= MIN_WINDOW_MS) this.samples.push({ at, cpu });
    // The base is the newest sample at least a window old, so the figure covers one window or a little more.
    while (this.samples.length > 1 && at - (this.samples[1]?.at ?? at) >= this.windowMs) this.samples.shift();
    const base = this.samples[0] ?? { at, cpu };
    const seconds = (at - base.at) / 1000;
    if (seconds * 1000 < MIN_WINDOW_MS) return null;
    let used = 0;
    for (const [pid, now] of cpu) used += Math.max(0, now - (base.cpu.get(pid) ?? 0));
    return Math.round((used / seconds) * 1000) / 10;
  }
}
