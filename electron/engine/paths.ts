/** Where OmniSight keeps its data when `OMNISIGHT_DATA_DIR` is not set: the platform's per-user data folder. */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'OmniSight');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'OmniSight');
  // XDG Base Directory: an unset or relative XDG_DATA_HOME falls back to ~/.local/share.
  const xdg = env.XDG_DATA_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share');
  return path.join(base, 'omnisight');
}

/** The folder holding OmniSight's package.json, found upward from `start` (works from source and from out/). */
export function findAppRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string };
      if (manifest.name === 'omnisight') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find OmniSight's package.json above ${start}`);
    dir = parent;
  }
}

export function readVersion(appRoot: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
