/**
 * FFmpeg's input and argv for one export, built from data. Pure: the tests compare strings and arrays. Every
 * flag says why it is there. Spawned without a shell, so the argv needs no quoting; the concat list does.
 *
 * The export concatenates segment files with the concat demuxer and copies the streams (no re-encode) into one
 * MP4 with its index at the front (`+faststart`), so it plays while downloading.
 */

/** One segment file in the concat list. Times are in the file's own clock, in milliseconds. */
export interface ConcatEntry {
  /** Absolute path built by the engine from the recordings root and a segment row, never from user input. */
  file: string;
  /**
   * How long this entry plays in the output. Always given: the MP4 demuxer reports a fragmented file's end
   * time as its duration (measured: a 10 s segment starting at 10 s "lasts" 20 s), which would leave holes.
   */
  durationMs: number;
  /** Start here (a keyframe) instead of the file's start. */
  inpointMs?: number;
  /** Stop before the first packet at or after this time. */
  outpointMs?: number;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(6);

/** Quotes a path for an ffconcat `file` line: inside single quotes, `'` becomes `'\''`. */
export function quoteConcatPath(file: string): string {
  // The format has no escape for line breaks, and NUL cannot reach FFmpeg; our paths never contain them.
  if (/[\r\n\0]/.test(file)) throw new Error('A segment path contains a line break or NUL');
  return `'${file.replace(/'/g, "'\\''")}'`;
}

/** The ffconcat list FFmpeg reads (`-f concat`). */
export function buildConcatList(entries: readonly ConcatEntry[]): string {
  if (entries.length === 0) throw new Error('An export needs at least one segment');
  const lines = ['ffconcat version 1.0'];
  for (const entry of entries) {
    if (!(entry.durationMs > 0)) throw new Error(`Segment ${entry.file} has no duration to export`);
    lines.push(`file ${quoteConcatPath(entry.file)}`);
    lines.push(`duration ${seconds(entry.durationMs)}`);
    if (entry.inpointMs !== undefined) lines.push(`inpoint ${seconds(entry.inpointMs)}`);
    if (entry.outpointMs !== undefined) lines.push(`outpoint ${seconds(entry.outpointMs)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ExportArgsOptions {
  /** The ffconcat list written by the engine. */
  listFile: string;
  /** The partial output; renamed to its final name only when FFmpeg succeeds. */
  output: string;
}

export function buildExportArgs(options: ExportArgsOptions): string[] {
  return [
    '-hide_banner',
    // No stats lines: progress comes as key=value blocks on stdout (-progress), problems on stderr.
    '-nostats',
    ...['-loglevel', 'error'],
    // Never read the keyboard: a stray byte on stdin must not stop or quit the export.
    '-nostdin',
    // Machine-readable progress (out_time_us=…) on stdout, about twice a second.
    ...['-progress', 'pipe:1'],
    ...['-f', 'concat'],
    // The list names absolute paths under the recordings root, which the concat demuxer calls "unsafe"; every
    // path in it is built by the engine from segment rows, never taken from a request.
    ...['-safe', '0'],
    ...['-i', options.listFile],
    // The main video and, when recorded, the first audio track; no data or subtitle streams.
    ...['-map', '0:v:0', '-map', '0:a:0?'],
    // Stream copy: no re-encode, so an export costs I/O, not CPU, and the footage stays bit-exact.
    ...['-c', 'copy'],
    // The index (moov) at the front, so a browser or player starts before the whole file has arrived.
    ...['-movflags', '+faststart'],
    // The partial file has no .mp4 extension for FFmpeg to guess from.
    ...['-f', 'mp4'],
    // The partial name belongs to this export alone (its id); a leftover of a crashed run is replaced.
    '-y',
    options.output,
  ];
}

/**
 * Reads FFmpeg's `-progress` output: returns the output time in milliseconds of the last complete
 * `out_time_us=` line in `text`, or null when there is none.
 */
export function parseProgressTime(text: string): number | null {
  let found: number | null = null;
  for (const match of text.matchAll(/^out_time_us=(-?\d+)$/gm)) {
    const value = Number(match[1]);
    if (Number.isFinite(value) && value >= 0) found = Math.floor(value / 1000);
  }
  return found;
}
