/**
 * The `ProcessRunner` port: starts a child from an argv array (never a shell) in its own process group, and
 * stops it with SIGTERM, then SIGKILL after a grace period.
 *
 * stdout is the hot path (every camera's video, megabytes a second in all), so it is not read as a Node
 * stream: a stream allocates a new 64 KiB buffer for every read, and for 16 cameras that garbage costs more
 * CPU than everything else the engine does (measured: 3.9 % of a core to drain 8.5 MB/s that way, 1.5 % with
 * the reader below). Instead the child's stdout is one end of a Unix socket whose other end the engine reads
 * with `net.Socket`'s `onread` option straight into memory the `StdoutReader` hands out (the fMP4 reader's
 * own buffer: no copy, no allocation per read). Where that socket cannot be set up (Windows, an unusual temp
 * dir), stdout falls back to a plain pipe read as a stream, copied into the same reader.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once everything the child wrote to stdout has been passed to the `StdoutReader` (end of file),
   * or at once when there was none.
   */
  readonly stdoutDone: Promise<void>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal to the whole group (FFmpeg and anything it started). */
  signal(signal: NodeJS.Signals): void;
}

/** Takes a child's stdout into memory it owns. */
export interface StdoutReader {
  /** Where the next read lands: a non-empty buffer, usually free space at the end of the reader's buffer. */
  readBuffer(): Buffer;
  /** `bytes` were read into the buffer the last `readBuffer()` returned. Must not throw. */
  written(bytes: number): void;
}

export interface StartOptions {
  extraPipes?: number;
  env?: NodeJS.ProcessEnv;
  stdout?: StdoutReader;
}

export interface ProcessRunner {
  start(command: string, args: readonly string[], options: StartOptions): Promise<RunningProcess>;
}

let socketDir: string | null | undefined;

/** A private (0700) folder for the short-lived listening sockets; null when none can be made. */
function privateSocketDir(): string | null {
  if (socketDir !== undefined) return socketDir;
  socketDir = null;
  if (process.platform === 'win32') return socketDir;
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-io-'));
    // sun_path holds 107 bytes; leave room for the socket's own name.
    if (dir.length > 80) {
      fs.rmSync(dir, { recursive: true, force: true });
      return socketDir;
    }
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    socketDir = dir;
  } catch {
    // fall back to a pipe
  }
  return socketDir;
}

let socketCounter = 0;

/**
 * A connected pair of Unix sockets: `reader` reads into a reused buffer (`onread`), `writer` is handed to the
 * child as its stdout. Made by listening on a fresh path in a private folder, connecting, and accepting the
 * one connection; the listener is closed (and its path removed) at once.
 */
async function socketPair(stdout: StdoutReader): Promise<{ reader: net.Socket; writer: net.Socket } | null> {
  const dir = privateSocketDir();
  if (dir === null) return null;
  socketCounter += 1;
  const socketPath = path.join(dir, `${process.pid}-${socketCounter}.sock`);
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const reader = net.connect({
      path: socketPath,
      onread: {
        // Asked for before every read.
        buffer: () => stdout.readBuffer(),
        callback: (bytes: number) => {
          stdout.written(bytes);
          return true;
        },
      },
    });
    await new Promise<void>((resolve, reject) => {
      reader.once('error', reject);
      reader.once('connect', () => {
        reader.off('error', reject);
        resolve();
      });
    });
    const writer = await accepted;
    return { reader, writer };
  } catch {
    return null;
  } finally {
    server.close();
  }
}

export const nodeProcessRunner: ProcessRunner = {
  async start(command, args, options) {
    const { stdout: stdoutReader } = options;
    const pair = stdoutReader === undefined ? null : await socketPair(stdoutReader);
    const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
    const stdio: StdioOptions = ['ignore', pair === null ? 'pipe' : pair.writer, 'pipe', ...extra];
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        // Own process group: a stop reaches FFmpeg's helpers too, and a Ctrl-C in the terminal reaches only us
        // (we stop children in order).
        detached: true,
        stdio,
        env: options.env ?? process.env,
        windowsHide: true,
      });
    } finally {
      // The child holds its own copy of the writing end; ours would keep the reader from ever seeing the end.
      pair?.writer.destroy();
    }
    let stdoutDone: Promise<void> = Promise.resolve();
    if (pair !== null) {
      const { reader } = pair;
      stdoutDone = new Promise((resolve) => {
        reader.once('close', () => resolve());
        reader.once('error', () => resolve());
      });
      // The child cannot be written to through its stdout; this only ends our side once it has ended.
      reader.on('end', () => reader.destroy());
    } else if (stdoutReader !== undefined && child.stdout !== null) {
      const stdout: Readable = child.stdout;
      stdout.on('data', (chunk: Buffer) => {
        let offset = 0;
        while (offset < chunk.length) {
          const copied = chunk.copy(stdoutReader.readBuffer(), 0, offset);
          offset += copied;
          stdoutReader.written(copied);
        }
      });
      stdoutDone = new Promise((resolve) => {
        stdout.once('close', () => resolve());
        stdout.once('error', () => resolve());
      });
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => {
        pair?.reader.destroy();
        resolve({ code: null, signal: null });
      });
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
      stdoutDone,
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
