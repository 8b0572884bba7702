import { useState } from 'react';
import { useCameras } from '../../app-context.js';
import {
  LAYOUTS,
  LAYOUT_STORAGE_KEY,
  pageCount,
  pageItems,
  parseLayout,
  type Layout,
} from './live-layout.js';
import { LiveTile } from './LiveTile.js';

function storedLayout(): Layout {
  try {
    return parseLayout(window.localStorage.getItem(LAYOUT_STORAGE_KEY));
  } catch {
    return 4;
  }
}

const LAYOUT_LABELS: Record<Layout, string> = { 1: '1', 4: '2×2', 9: '3×3', 16: '4×4' };

/** The live grid: every camera, in layouts of 1, 2×2, 3×3 or 4×4 (remembered), paged when there are more. */
export function LivePage() {
  const cameras = useCameras((state) => state.cameras);
  const loadState = useCameras((state) => state.loadState);
  const [layout, setLayout] = useState<Layout>(storedLayout);
  const [requestedPage, setPage] = useState(0);
  const { items, page } = pageItems(cameras, layout, requestedPage);
  const pages = pageCount(cameras.length, layout);

  function chooseLayout(next: Layout) {
    setLayout(next);
    try {
      window.localStorage.setItem(LAYOUT_STORAGE_KEY, String(next));
    } catch {
      // Storage refused (private mode): the layout still applies for this visit.
    }
  }

  return (
    <section className="page page--wide" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Live</h1>
        <div className="page__actions live-toolbar">
          <div className="live-toolbar__group" role="group" aria-label="Grid layout">
            {LAYOUTS.map((option) => (
              <button
                key={option}
                type="button"
                className={`button button--small${option === layout ? ' button--primary' : ''}`}
                aria-pressed={option === layout}
                data-testid={`layout-${option}`}
                onClick={() => chooseLayout(option)}
              >
                {LAYOUT_LABELS[option]}
              </button>
            ))}
          </div>
          {pages > 1 && (
            <div className="live-toolbar__group" role="group" aria-label="Grid page">
              <button
                type="button"
                className="button button--small"
                data-testid="live-prev-page"
                disabled={page === 0}
                onClick={() => setPage(page - 1)}
              >
                Previous
              </button>
              <span className="muted" data-testid="live-page">
                {page + 1} / {pages}
              </span>
              <button
                type="button"
                className="button button--small"
                data-testid="live-next-page"
                disabled={page === pages - 1}
                onClick={() => setPage(page + 1)}
              >
                Next
              </button>
            </div>
          )}
        </div>
      </header>
      {loadState === 'ready' && cameras.length === 0 ? (
        <div className="empty">
          <p>No cameras yet. Add one on the Cameras page.</p>
        </div>
      ) : (
        <div className={`live-grid live-grid--${layout}`} data-testid="live-grid" data-layout={layout}>
          {items.map((camera) => (
            <LiveTile key={camera.id} camera={camera} single={layout === 1} />
          ))}
        </div>
      )}
    </section>
  );
}
