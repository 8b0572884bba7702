/** What every benchmark shares: its log line, the repository root and the statistics it reports. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Progress on stderr; with `--json` each line is tagged so stdout stays one JSON object. */
export function benchLogger(json: boolean): (message: string) => void {
  return (message) => {
    process.stderr.write(json ? `[bench] ${message}\n` : `${message}\n`);
  };
}

/** The repository root (it holds the drizzle migrations), from bench/ (tsx, vitest) or out/bench/ (built). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'drizzle', 'meta', '_journal.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('The repository root (with drizzle/meta/_journal.json) was not found');
    dir = parent;
  }
  return dir;
}

/** The value at fraction `p` of the sorted values (0.5: the median); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}
