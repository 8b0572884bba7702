/**
 * Files that fail validation are moved, never deleted, to `<root>/.quarantine/<same relative path>`, so a
 * person can look at them and nothing is lost by a wrong guess.
 */
import fs from 'node:fs';
import path from 'node:path';
import { toAbsolute } from './segment-path.js';

export const QUARANTINE_DIR = '.quarantine';

export function quarantine(recordingsDir: string, relative: string): string {
  const target = toAbsolute(path.join(recordingsDir, QUARANTINE_DIR), relative);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  let candidate = target;
  for (let attempt = 1; fs.existsSync(candidate); attempt += 1) candidate = `${target}.${attempt}`;
  fs.renameSync(toAbsolute(recordingsDir, relative), candidate);
  return path.relative(recordingsDir, candidate).split(path.sep).join('/');
}
