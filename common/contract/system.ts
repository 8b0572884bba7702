import { z } from 'zod';

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
});

export const SystemInfo = z.object({
  version: z.string(),
  startedAt: z.number().int().describe('UTC epoch milliseconds'),
  uptimeMs: z.number().int(),
  dataDir: z.string(),
  recordingsDir: z.string(),
  databaseBytes: z.number().int().describe('Main database file plus its write-ahead log'),
  nodeVersion: z.string(),
  platform: z.string(),
  cameraCount: z.number().int(),
  /** The FFmpeg in use, or null with `ffmpegProblem` saying why recording cannot run. */
  ffmpeg: z
    .object({
      path: z.string(),
      version: z.string(),
      source: z.enum(['settings', 'environment', 'ffmpeg-static', 'path']),
    })
    .nullable(),
  ffmpegProblem: z.string().nullable(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const NoArgument = z.strictObject({});
