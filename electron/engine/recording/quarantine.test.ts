import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quarantine, QUARANTINE_DIR } from './quarantine.js';
import { toAbsolute } from './segment-path.js';

const RELATIVE = 'cam-0123456789/2026-04-02/08/29-53.mp4';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-quarantine-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function write(content: string): void {
  const file = toAbsolute(root, RELATIVE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

describe('quarantine', () => {
  it('moves a file to the same relative path under .quarantine and returns that path', () => {
    write('broken');
    expect(quarantine(root, RELATIVE)).toBe(`${QUARANTINE_DIR}/${RELATIVE}`);
    expect(fs.existsSync(toAbsolute(root, RELATIVE))).toBe(false);
    expect(fs.readFileSync(toAbsolute(root, `${QUARANTINE_DIR}/${RELATIVE}`), 'utf8')).toBe('broken');
  });

  it('never overwrites an earlier quarantined file of the same name', () => {
    for (const content of ['first', 'second', 'third']) {
      write(content);
      quarantine(root, RELATIVE);
    }
    const dir = path.dirname(toAbsolute(root, `${QUARANTINE_DIR}/${RELATIVE}`));
    expect(fs.readdirSync(dir).sort()).toEqual(['29-53.mp4', '29-53.mp4.1', '29-53.mp4.2']);
    expect(fs.readFileSync(path.join(dir, '29-53.mp4.2'), 'utf8')).toBe('third');
  });

  it('throws when the file is gone', () => {
    expect(() => quarantine(root, RELATIVE)).toThrow(/ENOENT/);
  });
});
