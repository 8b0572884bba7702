/**
 * `streams.probe`: "Test connection" for a camera not yet saved. Credentials may come inside the URLs or in
 * the fields (the same rules as `cameras.add`); main and sub stream are probed at once, each by one ffprobe,
 * and the advice is computed from both. At most `MAX_RUNNING` probes run at a time, so a form clicked
 * repeatedly (or a script) cannot start a crowd of ffprobe processes against a camera.
 */
import { ContractError, type MethodInput, type StreamProbeResult } from '../../../common/contract/index.js';
import type { Logger } from '../ports.js';
import { streamAdvice } from './stream-advice.js';
import { probeStream, type StreamProbeOptions } from './stream-probe.js';
import { mergeCredentials, splitCredentials } from './stream-url.js';

/** Streams probed at once (a main and a sub stream are two). */
export const MAX_RUNNING = 4;

export interface ProbeService {
  probe(input: MethodInput<'streams.probe'>): Promise<StreamProbeResult>;
}

export function createProbeService(options: StreamProbeOptions & { logger: Logger }): ProbeService {
  const logger = options.logger.child({ component: 'probe' });
  let running = 0;
  return {
    async probe(input) {
      const main = splitCredentials(input.rtspUrl);
      const credentials = mergeCredentials('rtspUrl', main, {
        username: input.username,
        password: input.password,
      });
      let subUrl: string | null = null;
      if (input.subStreamUrl !== undefined && input.subStreamUrl !== null) {
        const sub = splitCredentials(input.subStreamUrl);
        mergeCredentials('subStreamUrl', sub, credentials);
        subUrl = sub.url;
      }
      const streams = subUrl === null ? 1 : 2;
      if (running + streams > MAX_RUNNING) {
        throw new ContractError(
          'unavailable',
          'Other connection tests are still running; try again in a few seconds',
        );
      }
      running += streams;
      const transport = input.rtspTransport ?? 'tcp';
      try {
        const [mainResult, subResult] = await Promise.all([
          probeStream({ url: main.url, ...credentials, transport }, options),
          subUrl === null ? null : probeStream({ url: subUrl, ...credentials, transport }, options),
        ]);
        // URLs without credentials and results (which never carry them) only.
        logger.info(
          {
            url: main.url,
            subUrl,
            main: mainResult.ok ? mainResult.video : mainResult.failure,
            sub: subResult === null ? null : subResult.ok ? subResult.video : subResult.failure,
          },
          'Stream probe',
        );
        return { main: mainResult, sub: subResult, advice: streamAdvice(mainResult, subResult) };
      } finally {
        running -= streams;
      }
    },
  };
}
