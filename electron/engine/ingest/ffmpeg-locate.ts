/**
 * Finds FFmpeg: the path from settings, then `OMNISIGHT_FFMPEG`, then the `ffmpeg-static` package when it is
 * installed (optional dependency), then `ffmpeg` on PATH. A missing or too-old FFmpeg is reported with a clear
 * message (the System page shows it); it never crashes the engine.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Oldest FFmpeg we support: Debian 12's 5.1 (the RTSP -timeout and fragmented MP4 options as used). */
export const MINIMUM_FFMPEG = { major: 5, minor: 1 } as const;

export type FfmpegSource = 'settings' | 'environment' | 'ffmpeg-static' | 'path';

export interface FfmpegInfo {
  ffmpegPath: string;
  /** ffprobe beside ffmpeg, or on PATH; null when none was found (probing features are then unavailable). */
  ffprobePath: string | null;
  version: string;
  source: FfmpegSource;
}

export interface FfmpegProblem {
  problem: string;
}

export interface LocateOptions {
  settingsPath?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Resolves the ffmpeg-static binary; injectable for tests. */
  staticPath?: () => string | null;
}

function defaultStaticPath(): string | null {
  try {
    const required: unknown = createRequire(import.meta.url)('ffmpeg-static');
    return typeof required === 'string' ? required : null;
  } catch {
    return null;
  }
}

function which(command: string, env: NodeJS.ProcessEnv): string | null {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Parses `ffmpeg -version`'s first line. Git builds (`N-…`, `git-…`) are treated as new enough. */
export function parseFfmpegVersion(firstLine: string): { version: string; supported: boolean } | null {
  const match = /^ffmpeg version (\S+)/.exec(firstLine);
  if (match?.[1] === undefined) return null;
  const version = match[1];
  const numbers = /^n?(\d+)\.(\d+)/.exec(version);
  if (numbers === null) return { version, supported: /^(N-|git-)/.test(version) };
  const major = Number(numbers[1]);
  const minor = Number(numbers[2]);
  const supported =
    major > MINIMUM_FFMPEG.major || (major === MINIMUM_FFMPEG.major && minor >= MINIMUM_FFMPEG.minor);
  return { version, supported };
}

function runVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['-version'], { timeout: 10_000 }, (error, stdout) => {
      if (error) reject(new Error(error.message));
      else resolve(stdout.split('\n')[0] ?? '');
    });
  });
}

/** Returns the FFmpeg to use, or why there is none. */
export async function locateFfmpeg(options: LocateOptions = {}): Promise<FfmpegInfo | FfmpegProblem> {
  const env = options.env ?? process.env;
  const candidates: { source: FfmpegSource; path: string | null }[] = [
    { source: 'settings', path: options.settingsPath ?? null },
    { source: 'environment', path: env.OMNISIGHT_FFMPEG?.trim() || null },
    { source: 'ffmpeg-static', path: (options.staticPath ?? defaultStaticPath)() },
    { source: 'path', path: which('ffmpeg', env) },
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    if (candidate.path === null) continue;
    let firstLine: string;
    try {
      firstLine = await runVersion(candidate.path);
    } catch (error) {
      problems.push(
        `${candidate.path} (${candidate.source}) does not run: ${(error as Error).message.split('\n')[0] ?? ''}`,
      );
      continue;
    }
    const parsed = parseFfmpegVersion(firstLine);
    if (parsed === null) {
      problems.push(`${candidate.path} (${candidate.source}) is not FFmpeg`);
      continue;
    }
    if (!parsed.supported) {
      problems.push(
        `${candidate.path} (${candidate.source}) is FFmpeg ${parsed.version}; OmniSight needs ${MINIMUM_FFMPEG.major}.${MINIMUM_FFMPEG.minor} or later`,
      );
      continue;
    }
    const besides = path.join(
      path.dirname(candidate.path),
      path.basename(candidate.path).replace(/ffmpeg/i, 'ffprobe'),
    );
    const ffprobePath =
      besides !== candidate.path && fs.existsSync(besides) ? besides : which('ffprobe', env);
    return { ffmpegPath: candidate.path, ffprobePath, version: parsed.version, source: candidate.source };
  }
  return {
    problem:
      problems.length > 0
        ? `No usable FFmpeg: ${problems.join('; ')}`
        : 'FFmpeg was not found: install it (Debian/Ubuntu: apt-get install ffmpeg) or set OMNISIGHT_FFMPEG to its path',
  };
}
