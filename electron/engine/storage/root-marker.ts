/**
 * The recordings root carries a marker file, `.omnisight-root`, holding an id that the database also keeps
 * (`settings` row `storage.rootId`). A root that is missing, lacks the marker or carries another id is not
 * ours (an unmounted disk shows its empty mount point): recording there is refused, nothing in it is
 * deleted, and nothing is written anywhere else instead.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RootState } from '../../../common/contract/index.js';

export const ROOT_MARKER_FILE = '.omnisight-root';
export const ROOT_ID_KEY = 'storage.rootId';

export interface RootCheck {
  state: RootState;
  /** In words, for the log, the cameras' reason and the Storage page; null when `ok`. */
  problem: string | null;
}

interface Marker {
  id: string;
}

function readMarker(root: string): Marker | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, ROOT_MARKER_FILE), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Marker).id === 'string') {
      return { id: (parsed as Marker).id };
    }
  } catch {
    // Not JSON: treated like a marker we did not write.
  }
  return 'unreadable';
}

function writeMarker(root: string, id: string): void {
  const file = path.join(root, ROOT_MARKER_FILE);
  const temporary = `${file}.tmp`;
  fs.writeFileSync(
    temporary,
    `${JSON.stringify({ id, note: 'OmniSight recordings root; do not delete' })}\n`,
    {
      mode: 0o640,
    },
  );
  fs.renameSync(temporary, file);
}

/**
 * Checks the root at start. With no id stored yet (first run, or the first run of a version with markers),
 * the root is adopted: created when missing (only when the index is empty: footage indexed under a missing
 * root means a disk is not mounted) and marked. Returns the id to store, if a new one was made.
 */
export function checkRootAtStart(options: {
  root: string;
  storedId: string | null;
  indexHasSegments: boolean;
}): RootCheck & { newId: string | null } {
  const { root, storedId } = options;
  const exists = fs.existsSync(root);
  if (storedId === null) {
    if (!exists && options.indexHasSegments) {
      return {
        ...missing(root),
        newId: null,
      };
    }
    const marker = exists ? readMarker(root) : 'absent';
    if (marker === 'unreadable') return { ...checkRoot(root, '(none)'), newId: null };
    const id = marker === 'absent' ? randomUUID() : marker.id;
    fs.mkdirSync(root, { recursive: true, mode: 0o750 });
    if (marker === 'absent') writeMarker(root, id);
    return { state: 'ok', problem: null, newId: id };
  }
  return { ...checkRoot(root, storedId), newId: null };
}

function missing(root: string): RootCheck {
  return {
    state: 'missing',
    problem: `The recordings folder ${root} is missing (is its disk mounted?). Not recording and not deleting anything until it is back.`,
  };
}

/** Checks that the root exists and carries the expected marker. Cheap: one stat and one small read. */
export function checkRoot(root: string, expectedId: string): RootCheck {
  if (!fs.existsSync(root)) return missing(root);
  const marker = readMarker(root);
  if (marker === 'absent') {
    return {
      state: 'marker_missing',
      problem: `The recordings folder ${root} has no ${ROOT_MARKER_FILE} marker: it is not the folder OmniSight recorded into (an unmounted disk's mount point looks like this). Not recording and not deleting anything there.`,
    };
  }
  if (marker === 'unreadable') {
    return {
      state: 'unreadable',
      problem: `The marker ${path.join(root, ROOT_MARKER_FILE)} cannot be read. Not recording and not deleting anything there.`,
    };
  }
  if (marker.id !== expectedId) {
    return {
      state: 'marker_mismatch',
      problem: `The recordings folder ${root} belongs to another OmniSight installation (its marker id differs). Not recording and not deleting anything there.`,
    };
  }
  return { state: 'ok', problem: null };
}
