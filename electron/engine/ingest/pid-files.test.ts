import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import { endLeftoverProcesses, pidFileName, removePidFile, writePidFile } from './pid-files.js';

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

function start(command: string, args: string[]) {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('pid files', () => {
  it('ends an FFmpeg left running by a crashed run, and never a process that merely reuses a pid', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-pids-'));
    // A cheap FFmpeg that would run for a minute.
    const leftover = start('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'nullsrc=size=16x16:rate=5',
      '-t',
      '60',
      '-f',
      'null',
      '-',
    ]);
    const bystander = start('sleep', ['60']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writePidFile(dir, pidFileName('cam-0123456789', 'main'), leftover.pid!);
    writePidFile(dir, pidFileName('cam-0123456789', 'sub'), bystander.pid!);
    // A stale file whose pid now belongs to someone else (start time differs).
    fs.writeFileSync(
      path.join(dir, 'ffmpeg-cam-x-main.pid'),
      JSON.stringify({ pid: bystander.pid, startTicks: '1' }),
    );
    fs.writeFileSync(path.join(dir, 'ffmpeg-garbage.pid'), 'not json');

    const ended = await endLeftoverProcesses(dir, createSilentLogger(), 2000);

    expect(ended).toEqual([leftover.pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(leftover.pid!)).toBe(false);
    expect(alive(bystander.pid!)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('removes its own file on a clean exit', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-pids-'));
    writePidFile(dir, 'ffmpeg-a-main.pid', process.pid);
    expect(fs.statSync(path.join(dir, 'ffmpeg-a-main.pid')).mode & 0o777).toBe(0o600);
    removePidFile(dir, 'ffmpeg-a-main.pid');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
