/** Grid layouts of the Live page and their persistence (pure, tested without a DOM). */

export const LAYOUTS = [1, 4, 9, 16] as const;
export type Layout = (typeof LAYOUTS)[number];

export const LAYOUT_STORAGE_KEY = 'omnisight.live.layout';

export function parseLayout(value: string | null): Layout {
  const number = Number(value);
  return (LAYOUTS as readonly number[]).includes(number) ? (number as Layout) : 4;
}

/** Columns of a layout: 1, 2, 3 or 4. */
export function columns(layout: Layout): number {
  return Math.sqrt(layout);
}

/** How many pages `count` cameras need in a layout (at least one). */
export function pageCount(count: number, layout: Layout): number {
  return Math.max(1, Math.ceil(count / layout));
}

/** The items of one page, the page clamped into range. */
export function pageItems<T>(
  items: readonly T[],
  layout: Layout,
  page: number,
): { items: T[]; page: number } {
  const last = pageCount(items.length, layout) - 1;
  const clamped = Math.min(Math.max(0, page), last);
  return { items: items.slice(clamped * layout, clamped * layout + layout), page: clamped };
}

/** A file name for a snapshot: camera name and local time, with nothing a file system refuses. */
export function snapshotFileName(cameraName: string, at: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  // Characters file systems refuse, and control characters.
  const safeName = cameraName.replace(/[\\/:*?"<>|\p{Cc}]+/gu, '_').trim() || 'camera';
  return `${safeName} ${stamp}.jpg`;
}
