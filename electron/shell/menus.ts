import type { MenuItemConstructorOptions } from 'electron';
import type { TraySummary } from './tray-status.js';

/** What the tray menu shows besides the status line. */
export interface TrayMenuState {
  summary: TraySummary;
  /** Null where the platform has no login items (Linux): the toggle is left out. */
  openAtLogin: boolean | null;
}

/** What the tray menu's items do; `main.ts` passes the Electron calls. */
export interface TrayMenuActions {
  open(): void;
  setOpenAtLogin(enabled: boolean): void;
  quit(): void;
}

/** The tray menu: the recording status, Open, Start at login, Quit (the way out while the window is hidden). */
export function buildTrayMenu(state: TrayMenuState, actions: TrayMenuActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [
    { label: state.summary.label, enabled: false },
    { type: 'separator' },
    { label: 'Open OmniSight', click: () => actions.open() },
  ];
  if (state.openAtLogin !== null) {
    items.push({
      label: 'Start at login',
      type: 'checkbox',
      checked: state.openAtLogin,
      click: (item) => actions.setOpenAtLogin(item.checked),
    });
  }
  items.push({ type: 'separator' }, { label: 'Quit OmniSight', click: () => actions.quit() });
  return items;
}

/**
 * The application menu: Electron's default minus its Help links to electronjs.org, and without devtools in a
 * packaged build. Quit stays in the File (or app) menu, the other way to stop recording besides the tray.
 */
export function buildApplicationMenu(
  platform: NodeJS.Platform,
  isPackaged: boolean,
): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    ...(isPackaged ? [] : [{ role: 'toggleDevTools' } as const]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}
