import type { Camera, CameraAddInput } from '../../../../common/contract/index.js';

export const DEMO_NAME = 'Demo camera';
export const DEMO_URL = 'demo:test-pattern';

/**
 * The next demo camera: "Demo camera" on `demo:test-pattern`, then "Demo camera 2" on `demo:test-pattern-2`
 * and so on, each the first one no camera has yet (the engine refuses a second camera on the same URL).
 */
export function nextDemoCamera(cameras: readonly Pick<Camera, 'name' | 'rtspUrl'>[]): CameraAddInput {
  const names = new Set(cameras.map((camera) => camera.name.trim().toLowerCase()));
  const urls = new Set(cameras.map((camera) => camera.rtspUrl.toLowerCase()));
  const free = (taken: Set<string>, first: string, nth: (n: number) => string): string => {
    if (!taken.has(first.toLowerCase())) return first;
    for (let n = 2; ; n++) if (!taken.has(nth(n).toLowerCase())) return nth(n);
  };
  return {
    name: free(names, DEMO_NAME, (n) => `${DEMO_NAME} ${n}`),
    rtspUrl: free(urls, DEMO_URL, (n) => `${DEMO_URL}-${n}`),
  };
}
