/**
 * The HLS VOD playlist (version 7, fMP4) over recorded segment files, pure: no files, no clock.
 *
 * Each segment file is one HLS media segment served in place with byte ranges: its init (`ftyp`+`moov`) is the
 * `EXT-X-MAP`, the fragments after it the media. Every file has its own init, so each gets its own map.
 */

/** Footage closer than this to the end of the previous segment counts as contiguous. */
export const CONTIGUOUS_MS = 250;

/** One readable segment file, in start order. */
export interface VodSegment {
  /** Run of one FFmpeg session: decode times continue across its files and restart in the next run. */
  recordingId: number;
  /** UTC ms. */
  startTime: number;
  /** UTC ms. */
  endTime: number;
  durationMs: number;
  /** Bytes of `ftyp`+`moov` at the head of the file. */
  initLength: number;
  /** Bytes of fragments after the init. */
  mediaLength: number;
  /** Where the file is served, relative to the playlist. */
  uri: string;
  /** Force a discontinuity before this segment (a skipped file before it). */
  discontinuity?: boolean;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function quoted(uri: string): string {
  if (/["\r\n]/.test(uri)) throw new Error(`Unusable URI in a playlist: ${JSON.stringify(uri)}`);
  return uri;
}

/**
 * Builds the playlist. A discontinuity goes where the footage is not contiguous (a gap over `CONTIGUOUS_MS`),
 * where the run changes (decode times restart), and where the caller asks; every segment carries its
 * `EXT-X-PROGRAM-DATE-TIME`. `segments` must not be empty.
 */
export function buildVodPlaylist(segments: readonly VodSegment[]): string {
  if (segments.length === 0) throw new Error('A VOD playlist needs at least one segment');
  const longestMs = Math.max(...segments.map((segment) => segment.durationMs));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(longestMs / 1000))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let previous: VodSegment | undefined;
  for (const segment of segments) {
    if (
      previous !== undefined &&
      (segment.discontinuity === true ||
        segment.recordingId !== previous.recordingId ||
        Math.abs(segment.startTime - previous.endTime) > CONTIGUOUS_MS)
    ) {
      lines.push('#EXT-X-DISCONTINUITY');
    }
    const uri = quoted(segment.uri);
    lines.push(
      `#EXT-X-MAP:URI="${uri}",BYTERANGE="${segment.initLength}@0"`,
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.startTime).toISOString()}`,
      `#EXTINF:${seconds(segment.durationMs)},`,
      `#EXT-X-BYTERANGE:${segment.mediaLength}@${segment.initLength}`,
      uri,
    );
    previous = segment;
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
