/**
 * Generated scene clips for the object detection tests: real photographs (Debian's python3-skimage sample
 * images, BSD licence) composed by FFmpeg into a 640x360 scene where a person or a vehicle crosses the frame
 * at a steady speed, and negative clips of the same scene with lighting changes, noise and swaying grass but
 * no object. Each clip is one FFmpeg run (filters only: crop, scale, overlay with a per-frame position, eq,
 * noise), cached on disk like the fake cameras' clips (test/fake-cameras/clip.ts), and comes with its ground
 * truth: where the object is, in pixels, at every frame. See README.md.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SKIMAGE_DATA_DIR } from '../../electron/engine/detection/detector-photos.js';
import { defaultClipCacheDir, type ClipTools } from '../fake-cameras/clip.js';

export type SceneClipKind =
  | 'person'
  | 'vehicle'
  | 'negative-light'
  | 'negative-noise'
  | 'negative-sway'
  | 'negative-all'
  | 'person-pause'
  | 'still';

export const SCENE_CLIP_KINDS: readonly SceneClipKind[] = [
  'person',
  'vehicle',
  'negative-light',
  'negative-noise',
  'negative-sway',
  'negative-all',
];

export const SCENE_WIDTH = 640;
export const SCENE_HEIGHT = 360;
export const SCENE_FPS = 10;
/** 12 s: a whole number of 1 s GOPs, so a fake camera can loop the clip with `-stream_loop` seamlessly. */
export const SCENE_SECONDS = 12;
/**
 * `person-pause` (the recording modes' test, not in SCENE_CLIP_KINDS): the person crosses once, as in `person`,
 * then the scene stays still for the rest of its 30 s, so a looping camera has long quiet stretches.
 */
export const PAUSE_SCENE_SECONDS = 30;
/*
 * `still` (bench:detect's sustained load, not in SCENE_CLIP_KINDS either): the bare background for 12 s, no
 * object and no disturbance, so a camera looping it has no motion at all.
 */

export function sceneSecondsOf(kind: SceneClipKind): number {
  return kind === 'person-pause' ? PAUSE_SCENE_SECONDS : SCENE_SECONDS;
}
/** At this frame (2 s) the object's edge reaches the frame's edge; it shows from the next one on. */
export const OBJECT_ENTERS_AT_FRAME = 20;

/** A box in pixels of the 640x360 frame. */
export interface SceneBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SceneObject {
  /** COCO label the detector should give it. */
  label: 'person' | 'motorcycle';
  /** The pasted picture's size in pixels. */
  width: number;
  height: number;
  /** Horizontal speed in pixels per second (negative: right to left). */
  speedPixelsPerSecond: number;
  /** Time of the first frame showing any of it. */
  visibleFromSeconds: number;
  /** Time of the first frame after it has left (exclusive end). */
  visibleUntilSeconds: number;
  /** Time of the first frame showing all of it. */
  fullyVisibleFromSeconds: number;
  /** Time of the first frame after the last that shows all of it (exclusive end). */
  fullyVisibleUntilSeconds: number;
  /** Its visible part in the frame shown at `seconds` (frame `floor(seconds * fps)`); null out of view. */
  boxAt(seconds: number): SceneBox | null;
}

export interface SceneClip {
  path: string;
  kind: SceneClipKind;
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  /** Null for the negative clips. */
  object: SceneObject | null;
}

/** The grass patch at the foot of the wall, at rest; in the sway clips it moves ±`swayPixels` sideways. */
export const SCENE_GRASS_PATCH = {
  x: 460,
  y: 90,
  width: 160,
  height: 100,
  swayPixels: 12,
  swayPeriodSeconds: 2,
};

interface ObjectPlan {
  label: 'person' | 'motorcycle';
  photo: string;
  /** The region of the photo pasted: tight around the person or vehicle. */
  crop: SceneBox;
  width: number;
  height: number;
  /** Top of the pasted picture in the frame. */
  y: number;
  /** Left edge at OBJECT_ENTERS_AT_FRAME (just out of view) and pixels moved per frame (even numbers). */
  startX: number;
  pixelsPerFrame: number;
}

const PERSON: ObjectPlan = {
  label: 'person',
  // The cameraman (camera.png) from the hair to the knees, back to hands, with the camera on its tripod; some
  // sky and field come along. The astronaut (astronaut.png) was tried first: in a crop around her, as the
  // engine cuts it, NanoDet gives her only 0.43-0.62.
  photo: 'camera.png',
  crop: { x: 10, y: 62, width: 310, height: 440 },
  width: 140,
  height: 200,
  y: 130,
  // Right to left at 100 px/s.
  startX: SCENE_WIDTH,
  pixelsPerFrame: -10,
};

const VEHICLE: ObjectPlan = {
  label: 'motorcycle',
  // The motorcycle from the mirror to the tyres, rear light to front wheel.
  photo: 'motorcycle_left.png',
  crop: { x: 90, y: 76, width: 590, height: 376 },
  width: 236,
  height: 150,
  y: 190,
  // Left to right (the way it faces) at 120 px/s.
  startX: -236,
  pixelsPerFrame: 12,
};

interface Disturbances {
  light: boolean;
  noise: boolean;
  sway: boolean;
}

function planOf(kind: SceneClipKind): { object: ObjectPlan | null } & Disturbances {
  const none = { light: false, noise: false, sway: false };
  switch (kind) {
    case 'person':
    case 'person-pause':
      return { object: PERSON, ...none };
    case 'vehicle':
      return { object: VEHICLE, ...none };
    case 'negative-light':
      return { object: null, ...none, light: true };
    case 'negative-noise':
      return { object: null, ...none, noise: true };
    case 'negative-sway':
      return { object: null, ...none, sway: true };
    case 'negative-all':
      return { object: null, light: true, noise: true, sway: true };
    case 'still':
      return { object: null, ...none };
  }
}

const signed = (value: number): string => (value < 0 ? `-${-value}` : `+${value}`);

/** The filtergraph: the background from two textures, then the object, lighting and noise. */
function buildFilterGraph(kind: SceneClipKind): string {
  const plan = planOf(kind);
  const grass = SCENE_GRASS_PATCH;
  const graph = [
    `color=c=0x707070:s=${SCENE_WIDTH}x${SCENE_HEIGHT}:r=${SCENE_FPS}:d=${sceneSecondsOf(kind)},format=yuv420p[base]`,
    // A brick wall (brick.png, tinted red-brown) over a lawn (grass.png, tinted dull green), both softened a
    // little, as a camera at this distance would see them. (Gravel ground, tried first, reads as a keyboard
    // to NanoDet at 0.5-0.7; this lawn gives nothing above 0.45.)
    '[0:v]format=rgb24,scale=640:-1,crop=640:150:0:40,colorchannelmixer=rr=0.95:gg=0.72:bb=0.58,gblur=sigma=1[wall]',
    '[1:v]format=rgb24,split[lawn_in][patch_in]',
    '[lawn_in]scale=640:-1,crop=640:210:0:300,colorchannelmixer=rr=0.5:gg=0.75:bb=0.35,gblur=sigma=1.5[ground]',
    // A patch of brighter, finer grass (another part of grass.png, shrunk) at the foot of the wall.
    `[patch_in]crop=256:160:100:100,scale=${grass.width}:${grass.height},colorchannelmixer=rr=0.55:gg=0.9:bb=0.4[grass]`,
    '[base][wall]overlay=0:0[wall_on]',
    '[wall_on][ground]overlay=0:150[ground_on]',
    plan.sway
      ? `[ground_on][grass]overlay=x='${grass.x}+${grass.swayPixels}*sin(2*PI*t/${grass.swayPeriodSeconds})':y=${grass.y}:eval=frame[scene]`
      : `[ground_on][grass]overlay=x=${grass.x}:y=${grass.y}[scene]`,
  ];
  let last = 'scene';
  if (plan.object !== null) {
    const { crop, width, height, startX, pixelsPerFrame, y } = plan.object;
    graph.push(
      `[2:v]format=rgb24,crop=${crop.width}:${crop.height}:${crop.x}:${crop.y},scale=${width}:${height}[object]`,
      // x from the frame number (round(t*fps); overlay's own `n` counts from 1 here), so every frame's
      // position is an exact even integer (overlay rounds x down to the chroma grid); the ground truth
      // computes the same.
      `[${last}][object]overlay=x='${startX}${signed(pixelsPerFrame)}*(round(t*${SCENE_FPS})-${OBJECT_ENTERS_AT_FRAME})':y=${y}:eval=frame[with_object]`,
    );
    last = 'with_object';
  }
  if (plan.light) {
    // A slow change (clouds: ±0.08 over 4 s) and a light switched on from 6 s to 9 s (+0.12), brightness on
    // eq's -1..1 scale.
    graph.push(`[${last}]eq=brightness='0.08*sin(2*PI*t/4)+0.12*between(t,6,9)':eval=frame[lit]`);
    last = 'lit';
  }
  if (plan.noise) {
    // Sensor noise, new every frame.
    graph.push(`[${last}]noise=alls=24:allf=t+u[noisy]`);
    last = 'noisy';
  }
  graph.push(`[${last}]null[out]`);
  return graph.join(';');
}

/** FFmpeg arguments that make clip `kind` at `outputPath` (MP4) from the photos in `photoDir`. */
export function buildSceneClipArgs(
  kind: SceneClipKind,
  outputPath: string,
  photoDir = SKIMAGE_DATA_DIR,
): string[] {
  const object = planOf(kind).object;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-i', path.join(photoDir, 'brick.png')],
    ...['-i', path.join(photoDir, 'grass.png')],
    ...(object === null ? [] : ['-i', path.join(photoDir, object.photo)]),
    ...['-filter_complex', buildFilterGraph(kind), '-map', '[out]'],
    // As a camera's sub stream: H.264 without B-frames, a keyframe every second, SPS/PPS in band (so a fake
    // camera can loop it with -c copy, see clip.ts), near-constant 800 kb/s.
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
    ...['-b:v', '800k', '-maxrate', '800k', '-bufsize', '800k'],
    ...['-g', String(SCENE_FPS), '-keyint_min', String(SCENE_FPS), '-sc_threshold', '0'],
    ...['-x264-params', 'repeat-headers=1'],
    ...['-movflags', '+faststart', '-f', 'mp4', outputPath],
  ];
}

/** Cache file name: the kind plus a hash of the arguments, so changing the scene re-encodes. */
export function sceneClipFileName(kind: SceneClipKind, photoDir = SKIMAGE_DATA_DIR): string {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify(buildSceneClipArgs(kind, 'OUTPUT', photoDir)))
    .digest('hex')
    .slice(0, 10);
  return `scene-${kind}-${SCENE_WIDTH}x${SCENE_HEIGHT}-${SCENE_FPS}fps-${sceneSecondsOf(kind)}s-${hash}.mp4`;
}

const frameTime = (frame: number): number => frame / SCENE_FPS;

/** The ground truth of a moving object, from the same numbers as its overlay expression. */
function groundTruth(plan: ObjectPlan, seconds: number): SceneObject {
  const leftAt = (frame: number): number =>
    plan.startX + plan.pixelsPerFrame * (frame - OBJECT_ENTERS_AT_FRAME);
  const boxOfFrame = (frame: number): SceneBox | null => {
    if (frame < OBJECT_ENTERS_AT_FRAME) return null;
    const left = leftAt(frame);
    const x1 = Math.max(0, left);
    const x2 = Math.min(SCENE_WIDTH, left + plan.width);
    return x2 <= x1 ? null : { x: x1, y: plan.y, width: x2 - x1, height: plan.height };
  };
  const frames = Array.from({ length: SCENE_FPS * seconds }, (_, frame) => frame);
  const visible = frames.filter((frame) => boxOfFrame(frame) !== null);
  const full = frames.filter((frame) => boxOfFrame(frame)?.width === plan.width);
  const first = (list: number[]): number => frameTime(list[0] ?? 0);
  const end = (list: number[]): number => frameTime((list[list.length - 1] ?? -1) + 1);
  return {
    label: plan.label,
    width: plan.width,
    height: plan.height,
    speedPixelsPerSecond: plan.pixelsPerFrame * SCENE_FPS,
    visibleFromSeconds: first(visible),
    visibleUntilSeconds: end(visible),
    fullyVisibleFromSeconds: first(full),
    fullyVisibleUntilSeconds: end(full),
    boxAt: (seconds) => boxOfFrame(Math.floor(seconds * SCENE_FPS + 1e-6)),
  };
}

/** The clip's description without encoding it (the ground truth is computed, not measured). */
export function describeSceneClip(kind: SceneClipKind, clipPath: string): SceneClip {
  const object = planOf(kind).object;
  return {
    path: clipPath,
    kind,
    width: SCENE_WIDTH,
    height: SCENE_HEIGHT,
    fps: SCENE_FPS,
    durationSeconds: sceneSecondsOf(kind),
    object: object === null ? null : groundTruth(object, sceneSecondsOf(kind)),
  };
}

export interface SceneClipTools extends ClipTools {
  /** Where the skimage photos are; default Debian's python3-skimage folder. */
  photoDir?: string;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve();
    });
  });
}

async function createSceneClip(
  kind: SceneClipKind,
  ffmpegPath: string,
  cacheDir: string,
  photoDir: string,
): Promise<SceneClip> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const clipPath = path.join(cacheDir, sceneClipFileName(kind, photoDir));
  // The clip only appears under its name once complete (rename), so its presence is enough.
  if (!fs.existsSync(clipPath)) {
    const temporary = `${clipPath}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}.mp4`;
    try {
      await run(ffmpegPath, buildSceneClipArgs(kind, temporary, photoDir), 120_000);
      // Another process may be encoding the same clip: both renames are atomic and the files are equivalent.
      fs.renameSync(temporary, clipPath);
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  return describeSceneClip(kind, clipPath);
}

const inFlight = new Map<string, Promise<SceneClip>>();

/**
 * Returns the cached clip `kind`, encoding it first (about a second) when it is not cached yet. FFmpeg is
 * `tools.ffmpegPath`, else `OMNISIGHT_FFMPEG`, else `ffmpeg` on PATH; the cache is `tools.cacheDir`, else the
 * fake cameras' (`OMNISIGHT_FAKE_CAMERA_CLIPS` or `<tmp>/omnisight-fake-cameras-clips`).
 */
export function ensureSceneClip(kind: SceneClipKind, tools: SceneClipTools = {}): Promise<SceneClip> {
  const ffmpegPath = tools.ffmpegPath ?? (process.env.OMNISIGHT_FFMPEG?.trim() || 'ffmpeg');
  const cacheDir = tools.cacheDir ?? defaultClipCacheDir();
  const photoDir = tools.photoDir ?? SKIMAGE_DATA_DIR;
  const key = path.join(cacheDir, sceneClipFileName(kind, photoDir));
  let pending = inFlight.get(key);
  if (pending === undefined) {
    pending = createSceneClip(kind, ffmpegPath, cacheDir, photoDir);
    inFlight.set(key, pending);
    // A failed encode may be retried by a later call.
    void pending.catch(() => inFlight.delete(key));
  }
  return pending;
}
