/**
 * The sandboxed preload: runs in an isolated world of the page and exposes exactly `window.omnisight`
 * (`invoke` and `subscribe`). A sandboxed preload can only `require('electron')`; the build bundles the rest.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('omnisight', createBridge(ipcRenderer));
