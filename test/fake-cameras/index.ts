/**
 * Fake RTSP cameras for integration tests and benchmarks: one GStreamer RTSP server process per camera on its
 * own loopback port, fed over RTP by `ffmpeg -re -stream_loop -1 -c copy` from a pre-encoded clip, so a camera
 * costs about 1% of a core. Each camera can be taken down (`stop`: connection refused), brought back on the
 * same port (`start`), or stalled (`stall`: the RTSP session stays up, no media flows) and resumed. A clock
 * camera (`clock: true`) instead encodes live a picture of the wall clock with a machine-readable time code
 * (test/support/timecode.ts), for latency and seek tests. See README.md.
 */
import { fakeCameraScriptsDir } from './scripts-dir.js';
import path from 'node:path';
import { CLIP_PROFILES, ensureClip, type Clip, type ClipCodec, type ClipResolution } from './clip.js';
import { startClockFeeder, type ClockStreamSpec } from './clock.js';
import { freeTcpPort, freeUdpPortPairs } from './free-ports.js';
import { spawnGuarded, SYSTEM_PYTHON, type GuardedProcess } from './guarded-process.js';
import { probeRtsp, type ProbeResult } from './probe.js';

const SERVER_SCRIPT = path.join(fakeCameraScriptsDir(), 'rtsp_server.py');
/** RTP payload types; rtsp_server.py expects the same. */
const VIDEO_PAYLOAD = 96;
const AUDIO_PAYLOAD = 97;
const POLL_MS = 100;
/**
 * The RTSP server's jitter buffer for clock mounts, instead of 100 ms: the live feeder's frames leave as they
 * are drawn, so the buffer only has to absorb timer jitter, and the camera adds less to a latency figure.
 */
const CLOCK_JITTER_LATENCY_MS = 20;

export interface FakeCameraAuth {
  method: 'basic' | 'digest';
  username: string;
  password: string;
}

export interface FakeCameraOptions {
  /** For log lines and `camera(name)`; unique within one `startFakeCameras` call. */
  name: string;
  /** Main stream size; default 1080p (4 Mb/s), or 360p for a clock camera. */
  resolution?: ClipResolution;
  /**
   * Encode the wall clock live instead of looping a clip: every frame carries the time it was made as a
   * time code (read it with `decodeTimecode` or, in a page, `readVideoTimecode`) and in digits. No audio.
   */
  clock?: boolean;
  /** Adds a 640x360 (0.5 Mb/s) `sub` mount. */
  sub?: boolean;
  /** Video codec of every mount; default H.264. Not for clock cameras. */
  codec?: ClipCodec;
  /** Adds an AAC track (48 kHz mono, 440 Hz tone) to every mount. */
  audio?: boolean;
  /** Requires these credentials on every request. */
  auth?: FakeCameraAuth;
  /**
   * Mount paths instead of `main` and `sub`, to look like a make's URLs (a vendor template's
   * `Streaming/Channels/101`). Path characters only: no query string.
   */
  paths?: { main?: string; sub?: string };
  /**
   * Loops this prepared H.264 MP4 (no audio; SPS/PPS in band and a whole number of GOPs, as clip.ts makes
   * them, e.g. test/detection/scene-clips.ts) on `main`, and on `sub` when asked, instead of the test clip.
   * Not with `clock`, `audio` or `codec: 'h265'`; `resolution` is the file's own.
   */
  clipPath?: string;
}

export interface StartFakeCamerasOptions {
  cameras: FakeCameraOptions[];
  /** Per camera, from spawn until every mount answers ffprobe with a video stream; default 30 s. */
  readyTimeoutMs?: number;
  /** Default `OMNISIGHT_FFMPEG`, else `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /** Default `ffprobe` beside `OMNISIGHT_FFMPEG`, else on PATH. */
  ffprobePath?: string;
  /** Where encoded clips are cached; see clip.ts. */
  clipCacheDir?: string;
  /** Receives lifecycle lines such as `[fake-camera cam-1] started on rtsp://127.0.0.1:40123`. */
  log?: (line: string) => void;
}

export type FakeCameraState = 'running' | 'stalled' | 'stopped';

export interface FakeCamera {
  readonly name: string;
  /** RTSP port on 127.0.0.1; the same across stop() and start(). */
  readonly port: number;
  /** `rtsp://127.0.0.1:PORT/main`, without credentials. */
  readonly mainUrl: string;
  /** `rtsp://127.0.0.1:PORT/sub` when the camera has a sub stream. */
  readonly subUrl: string | undefined;
  readonly auth: FakeCameraAuth | undefined;
  /** `url` with this camera's credentials in it (percent-encoded); `url` unchanged when it has none. */
  withCredentials(url: string): string;
  state(): FakeCameraState;
  /** Pids of the RTSP server and its FFmpeg feeders while running, for CPU measurements. */
  pids(): number[];
  /**
   * Wall clock (UTC ms) when the feeders were spawned, null while stopped. With `-re`, frame t of loop k of
   * the clip goes out at about this + k × the clip's length + t: a little later in fact, by FFmpeg's start-up
   * (tens of ms), so a latency measured from it errs long.
   */
  feedingSince(): number | null;
  /** What the server and the feeders printed, labelled, for failure messages. */
  output(): string;
  /** Restarts server and feeders on the same ports and waits until every mount serves. */
  start(): Promise<void>;
  /** Ends server and feeders: an outage, where connecting is refused. */
  stop(): Promise<void>;
  /** SIGSTOPs the feeders: RTSP keeps answering, but no media arrives. */
  stall(): void;
  /**
   * SIGCONTs the feeders. FFmpeg's -re then sends the stalled seconds as a burst to catch up, with
   * continuous timestamps, before going on in real time.
   */
  resume(): void;
}

export interface FakeCameras {
  readonly cameras: readonly FakeCamera[];
  /** The camera named `name`; throws when there is none. */
  camera(name: string): FakeCamera;
  stopAll(): Promise<void>;
}

/** One mount of a camera's RTSP server and the UDP ports its feeder sends to. */
export interface MountPlan {
  /** `main`, `sub` or the camera's own `paths`. */
  path: string;
  /** What a clip feeder loops; null for a clock mount. */
  clip: Pick<Clip, 'path' | 'codec' | 'audio'> | null;
  /** Set for a clock mount: the size and bitrate the feeder encodes live. */
  clock?: ClockStreamSpec | null;
  videoPort: number;
  /** Null when the camera has no audio. */
  audioPort: number | null;
}

/** A mount's path: the camera's own, checked, or `main` / `sub`. */
function mountPath(camera: FakeCameraOptions, role: 'main' | 'sub'): string {
  const own = camera.paths?.[role];
  if (own === undefined) return role;
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/.test(own))
    throw new Error(`${camera.name}: bad ${role} path ${own}`);
  return own;
}

/** The `--json` configuration of rtsp_server.py. */
export function buildServerConfig(port: number, mounts: MountPlan[], auth?: FakeCameraAuth): object {
  return {
    port,
    mounts: mounts.map((mount) => ({
      path: mount.path,
      videoPort: mount.videoPort,
      ...(mount.clip?.codec === 'h265' ? { codec: 'h265' } : {}),
      ...(mount.clock ? { latencyMs: CLOCK_JITTER_LATENCY_MS } : {}),
      ...(mount.audioPort !== null && mount.clip?.audio != null
        ? {
            audio: {
              port: mount.audioPort,
              config: mount.clip.audio.config,
              clockRate: mount.clip.audio.sampleRate,
              channels: mount.clip.audio.channels,
            },
          }
        : {}),
    })),
    ...(auth ? { auth } : {}),
  };
}

/** FFmpeg arguments of the feeder that loops `clipPath` to a mount's UDP ports as RTP. */
export function buildFeederArgs(clipPath: string, videoPort: number, audioPort: number | null): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    // Real-time pacing, as a camera sends; without it the whole clip would go out at disk speed.
    '-re',
    // Forever; clip.ts cuts the clip so the timestamps run on seamlessly across loops.
    ...['-stream_loop', '-1', '-i', clipPath],
    // Copy, never encode: this is what keeps a fake camera near 1% CPU.
    ...['-map', '0:v:0', '-c', 'copy', '-payload_type', String(VIDEO_PAYLOAD)],
    // RTCP goes to port + 1, which freeUdpPortPairs keeps clear of other streams.
    ...['-f', 'rtp', `rtp://127.0.0.1:${videoPort}`],
    ...(audioPort === null
      ? []
      : [
          ...['-map', '0:a:0', '-c', 'copy', '-payload_type', String(AUDIO_PAYLOAD)],
          ...['-f', 'rtp', `rtp://127.0.0.1:${audioPort}`],
        ]),
  ];
}

function withCredentials(url: string, auth: FakeCameraAuth | undefined): string {
  if (auth === undefined) return url;
  const userInfo = `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`;
  return url.replace('rtsp://', `rtsp://${userInfo}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Tools {
  ffmpegPath: string;
  ffprobePath: string;
  readyTimeoutMs: number;
  log: (line: string) => void;
}

function createCamera(
  options: FakeCameraOptions,
  port: number,
  mounts: MountPlan[],
  tools: Tools,
): FakeCamera {
  const tag = `[fake-camera ${options.name}]`;
  const serverConfig = JSON.stringify(buildServerConfig(port, mounts, options.auth));
  const urlOf = (mountPath: string): string => `rtsp://127.0.0.1:${port}/${mountPath}`;
  let server: GuardedProcess | null = null;
  let feeders: GuardedProcess[] = [];
  let stalled = false;
  let feedingSince: number | null = null;
  let lastProbe: ProbeResult | null = null;
  // Output of processes that have ended, kept so a failure after a restart still shows what happened.
  let history = '';

  const running = (): GuardedProcess[] => [...(server ? [server] : []), ...feeders];
  const describe = (child: GuardedProcess): string => `--- ${tag} ${child.label}\n${child.output()}`;
  const output = (): string =>
    [history, ...running().map(describe), lastProbe?.ok === false ? `--- last probe: ${lastProbe.error}` : '']
      .filter((part) => part !== '')
      .join('\n');

  async function stop(): Promise<void> {
    const children = running();
    server = null;
    feeders = [];
    feedingSince = null;
    stalled = false;
    await Promise.all(children.map((child) => child.stop()));
    history += children.map(describe).join('\n');
    if (children.length > 0) tools.log(`${tag} stopped`);
  }

  async function waitUntil(condition: () => boolean, deadline: number): Promise<boolean> {
    while (!condition()) {
      if (Date.now() > deadline) return false;
      await delay(POLL_MS);
    }
    return true;
  }

  async function waitForMount(mountPath: string, deadline: number, child: GuardedProcess): Promise<void> {
    const url = withCredentials(urlOf(mountPath), options.auth);
    for (;;) {
      lastProbe = await probeRtsp(url, {
        ffprobePath: tools.ffprobePath,
        timeoutMs: Math.max(1_000, Math.min(10_000, deadline - Date.now())),
      });
      if (lastProbe.ok && lastProbe.streams.some((stream) => stream.codec_type === 'video')) return;
      if (!child.running()) throw new Error(`${tag} RTSP server exited`);
      const deadFeeder = feeders.find((feeder) => !feeder.running());
      if (deadFeeder) throw new Error(`${tag} ${deadFeeder.label} exited`);
      if (Date.now() > deadline) throw new Error(`${tag} /${mountPath} did not serve video in time`);
      await delay(POLL_MS);
    }
  }

  async function start(): Promise<void> {
    if (server !== null) return;
    const deadline = Date.now() + tools.readyTimeoutMs;
    const rtspServer = spawnGuarded(`${tag} server`, SYSTEM_PYTHON, [SERVER_SCRIPT, '--json', serverConfig]);
    server = rtspServer;
    try {
      const listening = await waitUntil(
        () => rtspServer.output().includes('READY ') || !rtspServer.running(),
        deadline,
      );
      if (!listening || !rtspServer.running()) throw new Error(`${tag} RTSP server did not start`);
      feeders = mounts.map((mount) => {
        const label = `${tag} feeder /${mount.path}`;
        if (mount.clock)
          return startClockFeeder(label, tools.ffmpegPath, mount.clock, mount.videoPort, VIDEO_PAYLOAD);
        if (mount.clip === null) throw new Error(`${label}: neither a clip nor a clock`);
        return spawnGuarded(
          label,
          tools.ffmpegPath,
          buildFeederArgs(mount.clip.path, mount.videoPort, mount.audioPort),
        );
      });
      feedingSince = Date.now();
      await Promise.all(mounts.map((mount) => waitForMount(mount.path, deadline, rtspServer)));
      lastProbe = null;
      tools.log(`${tag} started on rtsp://127.0.0.1:${port} (${mounts.map((m) => m.path).join(', ')})`);
    } catch (error) {
      const details = output();
      await stop();
      throw new Error(`${(error as Error).message}\n${details}`, { cause: error });
    }
  }

  return {
    name: options.name,
    port,
    mainUrl: urlOf(mounts[0]?.path ?? 'main'),
    subUrl: mounts[1] === undefined ? undefined : urlOf(mounts[1].path),
    auth: options.auth,
    withCredentials: (url) => withCredentials(url, options.auth),
    state: () => (server === null ? 'stopped' : stalled ? 'stalled' : 'running'),
    pids: () => running().map((child) => child.pid),
    feedingSince: () => feedingSince,
    output,
    start,
    stop,
    stall() {
      if (server === null) throw new Error(`${tag} is stopped; start() it before stall()`);
      for (const feeder of feeders) feeder.signal('SIGSTOP');
      stalled = true;
      tools.log(`${tag} stalled`);
    },
    resume() {
      for (const feeder of feeders) feeder.signal('SIGCONT');
      if (stalled) tools.log(`${tag} resumed`);
      stalled = false;
    },
  };
}

function defaultFfprobe(): string {
  const ffmpeg = process.env.OMNISIGHT_FFMPEG?.trim();
  if (ffmpeg) return path.join(path.dirname(ffmpeg), path.basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe'));
  return 'ffprobe';
}

/** Distinct free TCP ports (two calls may return the same released port). */
async function distinctTcpPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count; attempt++) {
    if (attempt > 10 * count) throw new Error(`no ${count} distinct free TCP ports`);
    ports.add(await freeTcpPort());
  }
  return [...ports];
}

/**
 * Encodes the clips if they are not cached yet, then starts every camera and waits until all their mounts
 * serve video. Call `stopAll()` when done (an `exit` handler and PR_SET_PDEATHSIG catch what is missed).
 */
export async function startFakeCameras(options: StartFakeCamerasOptions): Promise<FakeCameras> {
  const names = options.cameras.map((camera) => camera.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new Error(`fake camera name ${duplicate} is used twice`);
  const clockWithAudio = options.cameras.find((camera) => camera.clock && camera.audio);
  if (clockWithAudio) throw new Error(`fake camera ${clockWithAudio.name}: a clock camera has no audio`);
  const badClipPath = options.cameras.find(
    (camera) => camera.clipPath !== undefined && (camera.clock || camera.audio || camera.codec === 'h265'),
  );
  if (badClipPath)
    throw new Error(`fake camera ${badClipPath.name}: a clipPath is H.264 without audio, not a clock`);
  const tools: Tools = {
    ffmpegPath: options.ffmpegPath ?? (process.env.OMNISIGHT_FFMPEG?.trim() || 'ffmpeg'),
    ffprobePath: options.ffprobePath ?? defaultFfprobe(),
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    log: options.log ?? (() => undefined),
  };
  const clipTools = {
    ffmpegPath: tools.ffmpegPath,
    ffprobePath: tools.ffprobePath,
    ...(options.clipCacheDir === undefined ? {} : { cacheDir: options.clipCacheDir }),
  };
  // Clips always carry audio, so cameras with and without audio share one cached file; a feeder sends the
  // audio track only when the camera has audio.
  const clipFor = (resolution: ClipResolution, codec: ClipCodec = 'h264'): Promise<Clip> =>
    ensureClip({ resolution, audio: true, ...(codec === 'h265' ? { codec } : {}) }, clipTools);

  const clockFor = (resolution: ClipResolution): ClockStreamSpec => CLIP_PROFILES[resolution];

  const plans = await Promise.all(
    options.cameras.map(async (camera) => {
      if (camera.clock) {
        if (camera.codec === 'h265') throw new Error(`${camera.name}: a clock camera sends H.264 only`);
        const streams = [clockFor(camera.resolution ?? '360p'), ...(camera.sub ? [clockFor('360p')] : [])];
        return { camera, streams: streams.map((clock) => ({ clip: null, clock })) };
      }
      if (camera.clipPath !== undefined) {
        const prepared = { path: camera.clipPath, codec: 'h264' as const, audio: null };
        return {
          camera,
          streams: (camera.sub ? [prepared, prepared] : [prepared]).map((clip) => ({ clip, clock: null })),
        };
      }
      const mainClip = await clipFor(camera.resolution ?? '1080p', camera.codec);
      const subClip = camera.sub ? await clipFor('360p', camera.codec) : null;
      const clips = [mainClip, ...(subClip ? [subClip] : [])];
      return { camera, streams: clips.map((clip) => ({ clip, clock: null })) };
    }),
  );
  const udpNeeded = plans.reduce((sum, plan) => sum + plan.streams.length * (plan.camera.audio ? 2 : 1), 0);
  const udpPorts = await freeUdpPortPairs(udpNeeded);
  const tcpPorts = await distinctTcpPorts(plans.length);

  const cameras = plans.map((plan, index) => {
    const mounts: MountPlan[] = plan.streams.map(({ clip, clock }, mountIndex) => ({
      path: mountPath(plan.camera, mountIndex === 0 ? 'main' : 'sub'),
      clip,
      clock,
      videoPort: udpPorts.shift()!,
      audioPort: plan.camera.audio ? udpPorts.shift()! : null,
    }));
    return createCamera(plan.camera, tcpPorts[index]!, mounts, tools);
  });
  const stopAll = async (): Promise<void> => {
    await Promise.all(cameras.map((camera) => camera.stop()));
  };
  const started = await Promise.allSettled(cameras.map((camera) => camera.start()));
  const failures = started.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as Error] : [],
  );
  if (failures.length > 0) {
    await stopAll();
    throw new Error(failures.map((failure) => failure.message).join('\n\n'));
  }
  return {
    cameras,
    camera(name) {
      const found = cameras.find((camera) => camera.name === name);
      if (found === undefined) throw new Error(`no fake camera named ${name}`);
      return found;
    },
    stopAll,
  };
}

export { ensureClip, type Clip, type ClipResolution } from './clip.js';
export { probeRtsp, type ProbedStream, type ProbeResult } from './probe.js';
