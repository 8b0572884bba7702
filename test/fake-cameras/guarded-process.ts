/**
 * Child processes of the fake cameras that cannot outlive the test: each runs in its own process group (so a
 * signal reaches everything it started), is SIGKILLed by the kernel when this process dies
 * (exec_guarded.py sets PR_SET_PDEATHSIG), and is SIGKILLed by an `exit` handler as a second net.
 */
import { fakeCameraScriptsDir } from './scripts-dir.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Writable } from 'node:stream';

const HERE = fakeCameraScriptsDir();
/** The system python: python3-gi is a Debian package, which a pyenv or venv python on PATH does not see. */
export const SYSTEM_PYTHON = process.env.OMNISIGHT_FAKE_CAMERA_PYTHON ?? '/usr/bin/python3';
const EXEC_GUARDED = path.join(HERE, 'exec_guarded.py');
/** Output kept per process for error messages; older output is dropped. */
const OUTPUT_LIMIT = 64 * 1024;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GuardedProcess {
  /** For log lines, e.g. `[fake-camera cam-1 server pid=1234]`. */
  readonly label: string;
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** The process's stdin when spawned with `{ stdin: 'pipe' }`, else null. */
  readonly stdin: Writable | null;
  running(): boolean;
  /** Everything the process printed so far (stdout and stderr), up to the last 64 KiB. */
  output(): string;
  /** Sends `signal` to the process group; ignored once the process is gone. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM (and SIGCONT, in case it is stopped), then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<ProcessExit>;
}

const live = new Set<GuardedProcess>();
let exitHandlerInstalled = false;

function killAllSync(): void {
  for (const child of live) child.signal('SIGKILL');
}

export interface SpawnGuardedOptions {
  /** 'pipe' to write to the process (the clock camera feeds FFmpeg raw frames); default 'ignore'. */
  stdin?: 'ignore' | 'pipe';
}

/** Spawns `command args` (an argv array, never a shell) guarded as described above. */
export function spawnGuarded(
  label: string,
  command: string,
  args: string[],
  options: SpawnGuardedOptions = {},
): GuardedProcess {
  if (!exitHandlerInstalled) {
    process.once('exit', killAllSync);
    exitHandlerInstalled = true;
  }
  // detached: its own session and process group, so signals to -pid reach it and nothing of ours.
  const argv = [EXEC_GUARDED, String(process.pid), command, ...args];
  const child =
    options.stdin === 'pipe'
      ? spawn(SYSTEM_PYTHON, argv, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(SYSTEM_PYTHON, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // A write after the process died fails with EPIPE; its exit is what callers watch, not the pipe's error.
  child.stdin?.on('error', () => undefined);
  let output = '';
  const append = (chunk: string): void => {
    output += chunk;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  let done = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => {
      append(`spawn failed: ${error.message}\n`);
      done = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const pid = child.pid ?? -1;

  const handle: GuardedProcess = {
    label: `${label} pid=${pid}`,
    pid,
    exited,
    stdin: child.stdin,
    running: () => !done,
    output: () => output,
    signal(signal) {
      if (done || pid <= 0) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // Already gone between the check and the kill.
      }
    },
    async stop(graceMs = 2000) {
      handle.signal('SIGTERM');
      // A stopped process keeps SIGTERM pending until it runs again.
      handle.signal('SIGCONT');
      const timer = setTimeout(() => handle.signal('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}
