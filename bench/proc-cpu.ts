/**
 * CPU time of processes from /proc (Linux), so a benchmark can attribute CPU to the engine, its FFmpeg
 * children and a baseline, as % of one core over a window.
 */
import fs from 'node:fs';
import { procStatFields, readProcCpuSeconds } from '../electron/engine/ingest/process-cpu.js';

/** User + system CPU seconds of one process, or null when it is gone (the engine's own /proc reader). */
export const cpuSeconds = readProcCpuSeconds;

export function childrenOf(parentPid: number): number[] {
  const children: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // Field 4: the parent's pid (null: gone meanwhile).
    if (Number(procStatFields(Number(name))?.[1]) === parentPid) children.push(Number(name));
  }
  return children;
}

/** Samples CPU seconds of a fixed set of pids at start and end of a window. */
export function cpuWindow(pids: number[]): () => { seconds: number; perPid: Map<number, number> } {
  const start = new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  const began = process.hrtime.bigint();
  return () => {
    const perPid = new Map<number, number>();
    for (const pid of pids)
      perPid.set(pid, Math.max(0, (cpuSeconds(pid) ?? start.get(pid) ?? 0) - (start.get(pid) ?? 0)));
    return { seconds: Number(process.hrtime.bigint() - began) / 1e9, perPid };
  };
}
