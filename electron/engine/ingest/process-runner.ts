/**
 * The `ProcessRunner` port: starts a child from an argv array (never a shell) in its own process group, and
 * stops it with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal to the whole group (FFmpeg and anything it started). */
  signal(signal: NodeJS.Signals): void;
}

export interface ProcessRunner {
  start(
    command: string,
    args: readonly string[],
    options: { extraPipes?: number; env?: NodeJS.ProcessEnv },
  ): RunningProcess;
}

export const nodeProcessRunner: ProcessRunner = {
  start(command, args, options) {
    const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
    const child = spawn(command, args, {
      // Own process group: a stop reaches FFmpeg's helpers too, and a Ctrl-C in the terminal reaches only us
      // (we stop children in order).
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
      env: options.env ?? process.env,
      windowsHide: true,
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    const sendSignal = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
    };
    return {
      pid: child.pid,
      child,
      exited,
      signal: sendSignal,
      async stop(graceMs = 5000) {
        sendSignal('SIGTERM');
        const timer = setTimeout(() => sendSignal('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
  },
};
