import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../ports.js';

/** The part of a readable stream `forwardOutput` needs; Node streams and Electron's child stdio both fit. */
export interface OutputStream {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** A line longer than this is cut: a worker that prints without newlines must not grow our memory. */
export const MAX_OUTPUT_LINE = 8_192;

/**
 * Drains a worker's stdout or stderr into the log, one log line per text line. The stream is always read (a
 * full pipe would block the worker); a packaged app has no terminal, so the log file is the only place a
 * worker's stray output and crash messages can be seen.
 */
export function forwardOutput(stream: OutputStream, log: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (line: string): void => {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.length > 0) log(trimmed);
  };
  stream.on('data', (chunk) => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_OUTPUT_LINE) {
      emit(`${pending.slice(0, MAX_OUTPUT_LINE)} [cut]`);
      pending = '';
    }
  });
  stream.on('end', () => {
    emit(pending + decoder.end());
    pending = '';
  });
}

/** Wires a child's stdout (info) and stderr (warn) to its logger. Either may be null when not piped. */
export function forwardWorkerOutput(
  stdout: OutputStream | null | undefined,
  stderr: OutputStream | null | undefined,
  logger: Logger,
): void {
  if (stdout) forwardOutput(stdout, (line) => logger.info({ stream: 'stdout' }, line));
  if (stderr) forwardOutput(stderr, (line) => logger.warn({ stream: 'stderr' }, line));
}

/** The environment a worker starts with: ours (PATH, locale, HOME) plus what the caller adds. */
export function workerEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}
