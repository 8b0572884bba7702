/**
 * Files and folders for the user alone: the data folder, the key files, the log folder. Modes are set with
 * chmod after creating, since the mode given to open or mkdir is filtered by the umask.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Windows has no POSIX modes (Node reports 0o666); the user's profile folder is what protects files there. */
function checksModes(): boolean {
  return process.platform !== 'win32';
}

/** Reads a file that must be user-only (no group or other bits); throws a clear error naming it otherwise. */
export function readPrivateFile(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${file} is not a file`);
    if (checksModes() && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      throw new Error(
        `${file} is open to other users (mode ${mode}); a key file must be readable by its owner only. Run chmod 600 on it and start again.`,
      );
    }
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates `file` with `bytes`, user-only whatever the umask, durably (file and folder synced), failing if it
 * exists: returns false then and writes nothing. A write that fails half-way removes the file again.
 */
export function createPrivateFile(file: string, bytes: Buffer): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    // The mode above is filtered by the umask; this is not.
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  syncFolder(path.dirname(file));
  return true;
}

/** A key that reaches the disk after the database rows sealed with it would be lost by a power cut. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open or sync a folder; NTFS journals the new entry itself.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Creates `dir` and its missing parents user-only (0700). A folder that already exists is left as it is (it
 * may be one the user chose, such as a shared disk); its mode is returned when other users may enter it, for
 * a warning, else null.
 */
export function ensurePrivateFolder(dir: string): string | null {
  const target = path.resolve(dir);
  const first = fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  if (!checksModes()) return null;
  if (first !== undefined) {
    const top = path.resolve(first);
    for (let current = target; ; current = path.dirname(current)) {
      fs.chmodSync(current, 0o700);
      if (current === top || path.dirname(current) === current) break;
    }
    return null;
  }
  const mode = fs.statSync(target).mode & 0o777;
  return (mode & 0o077) === 0 ? null : mode.toString(8).padStart(3, '0');
}
