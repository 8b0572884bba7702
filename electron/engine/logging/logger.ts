/**
 * Structured logging with pino: JSON lines with `level`, `component` and `cameraId`, written to a rotated
 * file in the data directory and, in headless mode, to stdout. Fields that could hold secrets are redacted
 * by key before anything is written; URLs are stored and logged without credentials in the first place.
 */
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../ports.js';
import { ensurePrivateFolder } from '../secrets/private-files.js';
import { createRotatingFile, type RotatingFile } from './rotating-file.js';

export const REDACTED = '[redacted]';

/** Keys whose values never reach a log line, at the top level and one or two levels down. */
const SECRET_KEYS = ['password', 'pass', 'secret', 'token', 'authorization', 'cookie', 'credentials'];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface CreateLoggerOptions {
  /** Folder for `omnisight.log` and its rotations; no file when absent. */
  logDir?: string;
  level?: string;
  /** Also write to stdout (headless mode). */
  stdout?: boolean;
  maxBytes?: number;
  keep?: number;
}

export interface ClosableLogger extends Logger {
  close(): void;
}

export function createLogger(options: CreateLoggerOptions): ClosableLogger {
  const streams: pino.StreamEntry[] = [];
  let file: RotatingFile | null = null;
  if (options.logDir !== undefined) {
    // Logs name cameras and hosts: the folder is the user's alone, like the files in it.
    ensurePrivateFolder(options.logDir);
    const rotating = createRotatingFile({
      file: path.join(options.logDir, 'omnisight.log'),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      ...(options.keep === undefined ? {} : { keep: options.keep }),
    });
    file = rotating;
    streams.push({ level: 'trace', stream: { write: (chunk: string) => rotating.write(chunk) } });
  }
  if (options.stdout === true) streams.push({ level: 'trace', stream: process.stdout });

  const root = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams),
  );

  return {
    ...wrap(root),
    close() {
      root.flush();
      file?.close();
    },
  };
}

function wrap(target: pino.Logger): Logger {
  return {
    debug: (fields, message) => target.debug(fields, message),
    info: (fields, message) => target.info(fields, message),
    warn: (fields, message) => target.warn(fields, message),
    error: (fields, message) => target.error(fields, message),
    child: (bindings) => wrap(target.child(bindings)),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export function createSilentLogger(): Logger {
  const silent: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => silent,
  };
  return silent;
}
