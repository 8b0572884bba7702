import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRotatingFile, type RotatingFile } from './rotating-file.js';

let dir: string;
let file: string;
const opened: RotatingFile[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-log-'));
  file = path.join(dir, 'omnisight.log');
});

afterEach(() => {
  for (const rotating of opened.splice(0)) rotating.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(maxBytes: number, keep?: number): RotatingFile {
  const rotating = createRotatingFile({ file, maxBytes, ...(keep === undefined ? {} : { keep }) });
  opened.push(rotating);
  return rotating;
}

function close(rotating: RotatingFile): void {
  opened.splice(opened.indexOf(rotating), 1);
  rotating.close();
}

/** `line-01\n` ... : eight bytes each. */
function line(number: number): string {
  return `line-${String(number).padStart(2, '0')}\n`;
}

function read(name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

function logFiles(): string[] {
  return fs.readdirSync(dir).sort();
}

describe('createRotatingFile', () => {
  it('rotates when the next write would grow the file past maxBytes', () => {
    const rotating = open(24);
    for (let number = 1; number <= 3; number += 1) rotating.write(line(number));

    expect(logFiles()).toEqual(['omnisight.log']);
    expect(read('omnisight.log')).toBe(line(1) + line(2) + line(3));

    rotating.write(line(4));

    expect(logFiles()).toEqual(['omnisight.log', 'omnisight.log.1']);
    expect(read('omnisight.log.1')).toBe(line(1) + line(2) + line(3));
    expect(read('omnisight.log')).toBe(line(4));
  });

  it('keeps at most `keep` rotated files, the newest as .1, and drops the oldest', () => {
    const rotating = open(8, 2);
    for (let number = 1; number <= 5; number += 1) rotating.write(line(number));

    expect(logFiles()).toEqual(['omnisight.log', 'omnisight.log.1', 'omnisight.log.2']);
    expect(read('omnisight.log')).toBe(line(5));
    expect(read('omnisight.log.1')).toBe(line(4));
    expect(read('omnisight.log.2')).toBe(line(3));
  });

  it('keeps no rotated file when keep is 0', () => {
    const rotating = open(8, 0);
    for (let number = 1; number <= 3; number += 1) rotating.write(line(number));

    expect(logFiles()).toEqual(['omnisight.log']);
    expect(read('omnisight.log')).toBe(line(3));
  });

  it('writes a chunk larger than maxBytes whole into an empty file instead of rotating without end', () => {
    const rotating = open(8);
    const long = `${'x'.repeat(40)}\n`;
    rotating.write(long);

    expect(logFiles()).toEqual(['omnisight.log']);
    expect(read('omnisight.log')).toBe(long);
  });

  it('appends to an existing file and counts its size towards the next rotation', () => {
    const first = open(24);
    first.write(line(1) + line(2));
    close(first);

    const second = open(24);
    second.write(line(3));
    expect(read('omnisight.log')).toBe(line(1) + line(2) + line(3));

    second.write(line(4));
    expect(read('omnisight.log.1')).toBe(line(1) + line(2) + line(3));
    expect(read('omnisight.log')).toBe(line(4));
  });

  it('counts bytes, not characters, of multi-byte text', () => {
    const rotating = open(10);
    rotating.write('é'.repeat(4));
    rotating.write('é'.repeat(2));

    expect(read('omnisight.log.1')).toBe('é'.repeat(4));
    expect(read('omnisight.log')).toBe('é'.repeat(2));
  });

  it.skipIf(process.platform === 'win32')(
    'creates the current and rotated files readable by the user only',
    () => {
      const rotating = open(8, 3);
      for (let number = 1; number <= 3; number += 1) rotating.write(line(number));

      for (const name of ['omnisight.log', 'omnisight.log.1', 'omnisight.log.2']) {
        expect(fs.statSync(path.join(dir, name)).mode & 0o777, name).toBe(0o600);
      }
    },
  );
});
