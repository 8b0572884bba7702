import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const RENDERER_ROOT = fileURLToPath(new URL('./renderer', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('./out/renderer', import.meta.url));

/**
 * The dev server injects an inline React Refresh preamble and inserts CSS as <style> elements, both of which the
 * strict policy in index.html refuses. Only `vite serve` relaxes it; the built app ships the strict policy.
 */
function relaxContentSecurityPolicyInDev(): Plugin {
  return {
    name: 'omnisight:dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    },
  };
}

export default defineConfig({
  root: RENDERER_ROOT,
  // Relative asset URLs, so the same build loads from a file in Electron and from `/` on the headless server.
  base: './',
  plugins: [react(), relaxContentSecurityPolicyInDev()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    // Inlined assets would become data: URLs; keep every asset a file so the policy stays simple to audit.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: {
    // `npx vite` during development, beside `npm run server` (port 8640) for the API and events. The Host header
    // stays the dev server's, so the gateway's same-origin check sees Origin and Host agree.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8640', changeOrigin: false },
      '/socket.io': { target: 'ws://127.0.0.1:8640', ws: true, changeOrigin: false },
    },
  },
});
