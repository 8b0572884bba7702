/**
 * Turns FFmpeg's last stderr lines into a reason a person understands. Lines are redacted before they get here.
 */
export type FailureKind = 'auth' | 'network' | 'stream' | 'unsupported_audio' | 'other';

export interface Failure {
  kind: FailureKind;
  reason: string;
}

const RULES: { pattern: RegExp; kind: FailureKind; reason: string }[] = [
  {
    pattern: /401 Unauthorized/i,
    kind: 'auth',
    reason: 'The camera refused the user name or password (401 Unauthorized)',
  },
  {
    pattern: /403 Forbidden/i,
    kind: 'auth',
    reason: 'The camera refused access to this stream (403 Forbidden)',
  },
  {
    pattern: /404 Not Found/i,
    kind: 'stream',
    reason: 'The camera has no stream at this path (404 Not Found)',
  },
  { pattern: /Connection refused/i, kind: 'network', reason: 'Connection refused' },
  {
    pattern: /No route to host|Network is unreachable/i,
    kind: 'network',
    reason: 'Camera unreachable (no route to host)',
  },
  {
    pattern: /Name or service not known|Temporary failure in name resolution|Could not resolve/i,
    kind: 'network',
    reason: 'Camera host name not found',
  },
  {
    pattern: /timed out|Operation timed out|Connection timed out/i,
    kind: 'network',
    reason: 'Camera did not answer in time',
  },
  {
    pattern: /Connection reset by peer|End of file|Broken pipe/i,
    kind: 'network',
    reason: 'The camera closed the connection',
  },
  {
    pattern: /Could not find tag for codec|codec not currently supported in container/i,
    kind: 'unsupported_audio',
    reason: 'Audio codec cannot be stored in MP4 as is; converting to AAC',
  },
  {
    pattern: /Invalid data found when processing input/i,
    kind: 'stream',
    reason: 'The camera sent data FFmpeg cannot read',
  },
];

export function classifyFailure(lines: readonly string[], exitCode: number | null): Failure {
  const text = lines.join('\n');
  for (const rule of RULES) {
    if (rule.pattern.test(text)) return { kind: rule.kind, reason: rule.reason };
  }
  const last = [...lines]
    .reverse()
    .find((line) => line.trim() !== '' && !/^\s*(Stream #|Input #|Output #|Duration:|Metadata:)/.test(line));
  if (last !== undefined) return { kind: 'other', reason: last.trim().slice(0, 200) };
  return {
    kind: 'other',
    reason: exitCode === null ? 'FFmpeg was stopped' : `FFmpeg exited with code ${exitCode}`,
  };
}

/** The input's audio codec from FFmpeg's stream summary (`Stream #0:1: Audio: pcm_mulaw, ...`), if any. */
export function inputAudioCodec(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /Stream #0:\d+.*?: Audio: ([a-z0-9_]+)/.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}
