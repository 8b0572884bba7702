import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, REDACTED, type ClosableLogger, type CreateLoggerOptions } from './logger.js';

let dir: string;
let logger: ClosableLogger | null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-logger-'));
  logger = null;
});

afterEach(() => {
  logger?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(options: Omit<CreateLoggerOptions, 'logDir'> = {}): ClosableLogger {
  logger = createLogger({ logDir: dir, ...options });
  return logger;
}

/** Closes the logger and returns the raw text and the parsed lines of the current log file. */
function closeAndRead(): { text: string; lines: Record<string, unknown>[] } {
  logger?.close();
  logger = null;
  const text = fs.readFileSync(path.join(dir, 'omnisight.log'), 'utf8');
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { text, lines };
}

describe('createLogger', () => {
  it('writes one JSON object a line with the level label, an ISO time and the message', () => {
    const log = open();
    log.info({ port: 8554 }, 'listening');
    log.warn({}, 'disk almost full');
    log.error({}, 'ingest crashed');

    const { text, lines } = closeAndRead();

    expect(text.endsWith('\n')).toBe(true);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'listening'],
      ['warn', 'disk almost full'],
      ['error', 'ingest crashed'],
    ]);
    expect(lines[0]).toMatchObject({ port: 8554, pid: process.pid });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('drops lines below the configured level', () => {
    const log = open({ level: 'info' });
    log.debug({}, 'hidden');
    log.info({}, 'shown');

    expect(closeAndRead().lines.map((line) => line.msg)).toEqual(['shown']);
  });

  it('carries component and cameraId from child bindings', () => {
    const log = open();
    const ingest = log.child({ component: 'ingest' });
    ingest.child({ cameraId: 'cam-3' }).warn({ attempt: 2 }, 'reconnecting in 4 s');
    ingest.info({}, 'started');

    const { lines } = closeAndRead();

    expect(lines[0]).toMatchObject({
      component: 'ingest',
      cameraId: 'cam-3',
      attempt: 2,
      msg: 'reconnecting in 4 s',
    });
    expect(lines[1]).toMatchObject({ component: 'ingest', msg: 'started' });
    expect(lines[1]).not.toHaveProperty('cameraId');
  });

  it('redacts secret fields at the top level, nested, and in child bindings; the values never reach the file', () => {
    const secrets = [
      'hunter2-password',
      'bearer-token-value',
      'nested-camera-password',
      'deep-secret',
      'bound-token',
    ];
    const log = open();
    log.child({ component: 'cameras', token: 'bound-token' }).info(
      {
        password: 'hunter2-password',
        token: 'bearer-token-value',
        camera: { id: 'cam-1', username: 'admin', password: 'nested-camera-password' },
        request: { headers: { authorization: 'deep-secret' } },
      },
      'camera added',
    );

    const { text, lines } = closeAndRead();

    expect(lines[0]).toMatchObject({
      component: 'cameras',
      token: REDACTED,
      password: REDACTED,
      camera: { id: 'cam-1', username: 'admin', password: REDACTED },
      request: { headers: { authorization: REDACTED } },
    });
    expect(REDACTED).toBe('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('rotates its file with the given maxBytes and keep', () => {
    const log = open({ maxBytes: 400, keep: 1 });
    for (let number = 0; number < 20; number += 1) log.info({ number }, 'tick');

    closeAndRead();

    expect(fs.readdirSync(dir).sort()).toEqual(['omnisight.log', 'omnisight.log.1']);
    for (const name of ['omnisight.log', 'omnisight.log.1']) {
      expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(400);
    }
  });
});
