/**
 * Pid files for FFmpeg children, so FFmpeg processes left by a crashed run are found and ended at the next
 * start (normally they end by themselves when their stdout reader dies, but a stuck one must not keep a camera
 * session open). A pid is trusted only when /proc still shows the same process: same start time, an ffmpeg
 * command line; a reused pid is never signalled.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../ports.js';
import { procStatFields } from './process-cpu.js';

interface PidRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; tells a reused pid apart. */
  startTicks: string | null;
}

function startTicks(pid: number): string | null {
  return procStatFields(pid)?.[19] ?? null;
}

function isFfmpeg(pid: number): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /ffmpeg/i.test(path.basename(argv0));
  } catch {
    return false;
  }
}

export function pidFileName(cameraId: string, stream: string): string {
  return `ffmpeg-${cameraId}-${stream}.pid`;
}

export function writePidFile(dir: string, name: string, pid: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record: PidRecord = { pid, startTicks: startTicks(pid) };
  fs.writeFileSync(path.join(dir, name), JSON.stringify(record), { mode: 0o600 });
}

export function removePidFile(dir: string, name: string): void {
  fs.rmSync(path.join(dir, name), { force: true });
}

/** Ends FFmpeg processes named by pid files in `dir` that are still running; removes every pid file. */
export async function endLeftoverProcesses(dir: string, logger: Logger, graceMs = 5000): Promise<number[]> {
  if (!fs.existsSync(dir)) return [];
  const ended: number[] = [];
  for (const name of fs.readdirSync(dir).filter((entry) => entry.endsWith('.pid'))) {
    const file = path.join(dir, name);
    let record: PidRecord | null = null;
    try {
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
    } catch {
      // unreadable: nothing to trust
    }
    fs.rmSync(file, { force: true });
    if (record === null || !Number.isInteger(record.pid) || record.pid <= 1) continue;
    const { pid } = record;
    if (record.startTicks === null || startTicks(pid) !== record.startTicks || !isFfmpeg(pid)) continue;
    logger.warn(
      { component: 'ingest', pid, pidFile: name },
      `Ending FFmpeg left running by a previous run (pid ${pid})`,
    );
    const signal = (which: NodeJS.Signals): void => {
      try {
        // Its own process group (spawned detached); fall back to the pid alone.
        process.kill(-pid, which);
      } catch {
        try {
          process.kill(pid, which);
        } catch {
          // gone
        }
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (startTicks(pid) === record.startTicks && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (startTicks(pid) === record.startTicks) signal('SIGKILL');
    ended.push(pid);
  }
  return ended;
}
