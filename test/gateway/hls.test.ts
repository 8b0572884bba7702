/**
 * HLS for other players, end to end: the built server records the `demo:` source in two runs with a gap
 * between them, serves a VOD playlist over them, and real FFmpeg plays it through the segment route.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let cameraId = '';
let rangeStart = 0;

async function api(method: string, url: string, body?: unknown) {
  const response = await fetch(server.url + url, {
    method,
    ...(body === undefined
      ? { headers: server.authHeaders() }
      : {
          headers: { ...server.authHeaders(), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

function playlistUrl(start: number, end: number, camera = cameraId): string {
  return `/api/cameras/${camera}/vod.m3u8?start=${start}&end=${end}`;
}

/** Seconds of the segments listed in a playlist. */
function listedSeconds(playlist: string): number[] {
  return [...playlist.matchAll(/^#EXTINF:([\d.]+),$/gm)].map((match) => Number(match[1]));
}

async function waitForSegments(count: number, timeoutMs = 25_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api('GET', playlistUrl(rangeStart, Date.now() + 60_000));
    if (answer.status === 200 && listedSeconds(answer.text).length >= count) return answer.text;
    if (Date.now() > deadline) throw new Error(`no ${count} segments in time:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  server = await startServer();
  rangeStart = Date.now();
  const added = await api('POST', '/api/cameras', { name: 'HLS', rtspUrl: 'demo:hls', segmentSeconds: 4 });
  expect(added.status).toBe(201);
  cameraId = (JSON.parse(added.text) as { id: string }).id;
  // First run: two closed segments, then a stop (the open file is closed and indexed) and a gap.
  await waitForSegments(2);
  expect((await api('PATCH', `/api/cameras/${cameraId}`, { enabled: false })).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const before = listedSeconds(await waitForSegments(2)).length;
  expect((await api('PATCH', `/api/cameras/${cameraId}`, { enabled: true })).status).toBe(200);
  await waitForSegments(before + 2);
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('HLS VOD', () => {
  it('lists both runs with maps, byte ranges, dates and a discontinuity at the gap', async () => {
    const answer = await api('GET', playlistUrl(rangeStart, Date.now()));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    const playlist = answer.text;
    expect(playlist.startsWith('#EXTM3U\n#EXT-X-VERSION:7\n')).toBe(true);
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const seconds = listedSeconds(playlist);
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(playlist)?.[1]);
    expect(target).toBe(Math.ceil(Math.max(...seconds)));
    expect(playlist.match(/^#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT[\d:.]+Z$/gm)).toHaveLength(
      seconds.length,
    );
    expect(playlist.match(/^#EXT-X-MAP:URI="segments\/\d+\.mp4",BYTERANGE="\d+@0"$/gm)).toHaveLength(
      seconds.length,
    );
    expect(playlist.match(/^#EXT-X-DISCONTINUITY$/gm)).toHaveLength(1);
  });

  it('serves segment bytes by id with range requests', async () => {
    const playlist = (await api('GET', playlistUrl(rangeStart, Date.now()))).text;
    const map = /#EXT-X-MAP:URI="(segments\/\d+\.mp4)",BYTERANGE="(\d+)@(\d+)"/.exec(playlist);
    expect(map).not.toBeNull();
    const url = `${server.url}/api/cameras/${cameraId}/${map?.[1] ?? ''}`;
    const init = await fetch(url, {
      headers: { ...server.authHeaders(), range: `bytes=0-${Number(map?.[2]) - 1}` },
    });
    expect(init.status).toBe(206);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await init.arrayBuffer());
    expect(bytes.length).toBe(Number(map?.[2]));
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
    const media = /#EXT-X-BYTERANGE:(\d+)@(\d+)\n/.exec(playlist);
    const tail = await fetch(url, {
      headers: { ...server.authHeaders(), range: `bytes=${Number(media?.[2])}-` },
    });
    expect(tail.status).toBe(206);
    const fragments = Buffer.from(await tail.arrayBuffer());
    expect(fragments.length).toBe(Number(media?.[1]));
    expect(fragments.toString('latin1', 4, 8)).toBe('moof');
    const whole = await fetch(url, { headers: server.authHeaders() });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(whole.headers.get('content-length'))).toBe(Number(map?.[2]) + Number(media?.[1]));
    await whole.arrayBuffer();
  });

  it('plays in FFmpeg end to end with the listed duration', async () => {
    const playlist = (await api('GET', playlistUrl(rangeStart, Date.now()))).text;
    const expected = listedSeconds(playlist).reduce((sum, value) => sum + value, 0);
    const result = await run('ffmpeg', [
      '-hide_banner',
      '-nostats',
      // FFmpeg's HLS demuxer passes these headers on to every segment request.
      '-headers',
      `Authorization: Bearer ${server.token ?? ''}\r\n`,
      '-i',
      server.url + playlistUrl(rangeStart, Date.now()),
      '-map',
      '0:v',
      '-c',
      'copy',
      '-f',
      'null',
      '-',
    ]);
    expect(result.code, result.output).toBe(0);
    // Every listed file was fetched, and the frames that came out last as long as the playlist says.
    const uris = new Set(playlist.match(/^segments\/\d+\.mp4$/gm));
    for (const uri of uris) expect(result.output).toContain(`/api/cameras/${cameraId}/${uri}`);
    const frames = Number([...result.output.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]);
    const fps = Number(/, ([\d.]+) fps,/.exec(result.output)?.[1]);
    expect(frames / fps).toBeGreaterThan(expected - 1.5);
    expect(frames / fps).toBeLessThan(expected + 1.5);
  });

  it('answers 404 for a range without footage and for an unknown camera or segment', async () => {
    const empty = await api('GET', playlistUrl(rangeStart - 3_600_000, rangeStart - 1_800_000));
    expect(empty.status).toBe(404);
    expect(JSON.parse(empty.text)).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('No recorded footage') as string,
    });
    expect((await api('GET', playlistUrl(rangeStart, Date.now(), 'cam-nope'))).status).toBe(404);
    expect((await api('GET', `/api/cameras/${cameraId}/segments/999999.mp4`)).status).toBe(404);
    expect((await api('GET', `/api/cameras/cam-nope/segments/1.mp4`)).status).toBe(404);
    expect((await api('GET', `/api/cameras/${cameraId}/segments/..%2F..%2Fomnisight.db.mp4`)).status).toBe(
      400,
    );
  });

  it('answers 400 for an absurd range', async () => {
    for (const query of [
      `start=${rangeStart}&end=${rangeStart - 1}`,
      `start=${rangeStart}&end=${rangeStart + 24 * 3_600_000 + 1}`,
      `start=abc&end=${rangeStart}`,
      `start=${rangeStart}`,
      `start=1e12&end=2e12`,
    ]) {
      const answer = await api('GET', `/api/cameras/${cameraId}/vod.m3u8?${query}`);
      expect(answer.status, query).toBe(400);
      expect(JSON.parse(answer.text), query).toMatchObject({ code: 'validation' });
    }
  });
});
