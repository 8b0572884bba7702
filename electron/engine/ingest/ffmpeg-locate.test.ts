import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg, parseFfmpegVersion, type FfmpegInfo, type FfmpegProblem } from './ffmpeg-locate.js';

describe('parseFfmpegVersion', () => {
  it.each([
    ['ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers', '5.1.9-0+deb12u1', true],
    ['ffmpeg version n6.1.1 Copyright (c) 2000-2023 the FFmpeg developers', 'n6.1.1', true],
    ['ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/', '7.0.2-static', true],
    ['ffmpeg version 5.0.3 Copyright (c) 2000-2022', '5.0.3', false],
    [
      'ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers',
      '4.4.2-0ubuntu0.22.04.1',
      false,
    ],
    [
      'ffmpeg version N-112345-gabc1234 Copyright (c) 2000-2023 the FFmpeg developers',
      'N-112345-gabc1234',
      true,
    ],
    ['ffmpeg version git-2024-01-01-abcdef', 'git-2024-01-01-abcdef', true],
    ['ffmpeg version weird-build', 'weird-build', false],
  ])('%s', (line, version, supported) => {
    expect(parseFfmpegVersion(line)).toEqual({ version, supported });
  });

  it.each(['', 'garbage', 'ffprobe version 6.1 Copyright', 'Usage: ffmpeg [options]'])(
    'returns null for %j',
    (line) => {
      expect(parseFfmpegVersion(line)).toBeNull();
    },
  );
});

describe('locateFfmpeg', () => {
  let root: string;
  /** One folder per source, each with its own fake `ffmpeg`. */
  const dirs = { settings: '', environment: '', static: '', path: '', empty: '' };

  function fakeBinary(dir: string, name: string, firstLine: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho '${firstLine}'\necho 'built with gcc 12'\n`, { mode: 0o755 });
    return file;
  }

  const version = (v: string) => `ffmpeg version ${v} Copyright (c) 2000-2024 the FFmpeg developers`;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-locate-'));
    for (const key of Object.keys(dirs) as (keyof typeof dirs)[]) {
      dirs[key] = path.join(root, key);
      fs.mkdirSync(dirs[key]);
    }
    fakeBinary(dirs.settings, 'ffmpeg', version('6.1-settings'));
    fakeBinary(dirs.environment, 'ffmpeg', version('6.1-environment'));
    fakeBinary(dirs.static, 'ffmpeg', version('6.1-static'));
    fakeBinary(dirs.path, 'ffmpeg', version('6.1-path'));
    fakeBinary(dirs.path, 'ffprobe', 'ffprobe version 6.1-path');
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const at = (key: keyof typeof dirs) => path.join(dirs[key], 'ffmpeg');

  function found(result: FfmpegInfo | FfmpegProblem): FfmpegInfo {
    if ('problem' in result) throw new Error(result.problem);
    return result;
  }

  it('prefers the settings path, then OMNISIGHT_FFMPEG, then ffmpeg-static, then PATH', async () => {
    const env = { PATH: dirs.path, OMNISIGHT_FFMPEG: at('environment') };
    const staticPath = () => at('static');
    expect(found(await locateFfmpeg({ settingsPath: at('settings'), env, staticPath }))).toMatchObject({
      ffmpegPath: at('settings'),
      version: '6.1-settings',
      source: 'settings',
    });
    expect(found(await locateFfmpeg({ settingsPath: null, env, staticPath }))).toMatchObject({
      ffmpegPath: at('environment'),
      source: 'environment',
    });
    expect(
      found(await locateFfmpeg({ env: { PATH: dirs.path, OMNISIGHT_FFMPEG: '  ' }, staticPath })),
    ).toMatchObject({ ffmpegPath: at('static'), source: 'ffmpeg-static' });
    expect(found(await locateFfmpeg({ env: { PATH: dirs.path }, staticPath: () => null }))).toMatchObject({
      ffmpegPath: at('path'),
      version: '6.1-path',
      source: 'path',
    });
  });

  it('finds ffprobe beside ffmpeg, else on PATH, else reports none', async () => {
    const beside = found(await locateFfmpeg({ env: { PATH: dirs.empty }, staticPath: () => at('path') }));
    expect(beside.ffprobePath).toBe(path.join(dirs.path, 'ffprobe'));
    const onPath = found(await locateFfmpeg({ settingsPath: at('settings'), env: { PATH: dirs.path } }));
    expect(onPath.ffprobePath).toBe(path.join(dirs.path, 'ffprobe'));
    const none = found(await locateFfmpeg({ settingsPath: at('settings'), env: { PATH: dirs.empty } }));
    expect(none.ffprobePath).toBeNull();
  });

  it('skips a too-old or broken FFmpeg for the next one', async () => {
    const old = fakeBinary(dirs.empty, 'ffmpeg-old', version('4.4.2'));
    const notFfmpeg = fakeBinary(dirs.empty, 'something-else', 'Hello world');
    const result = await locateFfmpeg({
      settingsPath: old,
      env: { PATH: dirs.path, OMNISIGHT_FFMPEG: notFfmpeg },
      staticPath: () => path.join(dirs.empty, 'missing-ffmpeg'),
    });
    expect(found(result)).toMatchObject({ ffmpegPath: at('path'), source: 'path' });
    fs.rmSync(old);
    fs.rmSync(notFfmpeg);
  });

  it('explains each rejected candidate when none is usable', async () => {
    const old = fakeBinary(dirs.empty, 'ffmpeg-old', version('4.4.2'));
    const result = await locateFfmpeg({
      settingsPath: old,
      env: { PATH: dirs.empty, OMNISIGHT_FFMPEG: path.join(dirs.empty, 'missing') },
      staticPath: () => null,
    });
    fs.rmSync(old);
    expect('problem' in result).toBe(true);
    const { problem } = result as FfmpegProblem;
    expect(problem).toContain(`${old} (settings) is FFmpeg 4.4.2; OmniSight needs 5.1 or later`);
    expect(problem).toContain(`${path.join(dirs.empty, 'missing')} (environment) does not run`);
  });

  it('tells the user to install FFmpeg when there is none at all', async () => {
    const result = await locateFfmpeg({ env: { PATH: dirs.empty }, staticPath: () => null });
    expect(result).toEqual({ problem: expect.stringMatching(/not found: install it.*OMNISIGHT_FFMPEG/) });
  });

  it('finds the real FFmpeg of this machine on PATH', async () => {
    const info = found(await locateFfmpeg({ env: { PATH: process.env.PATH ?? '' }, staticPath: () => null }));
    expect(info.source).toBe('path');
    expect(parseFfmpegVersion(`ffmpeg version ${info.version}`)?.supported).toBe(true);
  });
});
