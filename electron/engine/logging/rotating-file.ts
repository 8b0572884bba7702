/**
 * A size-rotated log file: `omnisight.log`, then `omnisight.log.1` ... `.N` (oldest dropped). Writes are
 * synchronous appends so the last lines before a crash are on disk; log volume is small (state changes, not
 * per-frame lines).
 */
import fs from 'node:fs';

export interface RotatingFileOptions {
  file: string;
  /** Rotate when the current file would grow past this many bytes. */
  maxBytes?: number;
  /** How many rotated files to keep besides the current one. */
  keep?: number;
}

export interface RotatingFile {
  write(chunk: string): void;
  close(): void;
}

export function createRotatingFile(options: RotatingFileOptions): RotatingFile {
  const { file } = options;
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = options.keep ?? 5;
  // Logs may mention camera names and addresses: readable by the user only.
  let fd = fs.openSync(file, 'a', 0o600);
  // The mode above applies only when the file is created; tighten an older, looser file too.
  fs.fchmodSync(fd, 0o600);
  let size = fs.fstatSync(fd).size;

  function rotate(): void {
    fs.closeSync(fd);
    for (let index = keep - 1; index >= 1; index -= 1) {
      const from = `${file}.${index}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${file}.${index + 1}`);
    }
    if (keep > 0) fs.renameSync(file, `${file}.1`);
    else fs.rmSync(file, { force: true });
    fd = fs.openSync(file, 'a', 0o600);
    size = 0;
  }

  return {
    write(chunk: string) {
      const bytes = Buffer.byteLength(chunk);
      if (size > 0 && size + bytes > maxBytes) rotate();
      fs.writeSync(fd, chunk);
      size += bytes;
    },
    close() {
      fs.closeSync(fd);
    },
  };
}
