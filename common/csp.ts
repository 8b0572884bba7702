/**
 * The one Content Security Policy of the UI, served by the Electron app protocol and by the LAN gateway.
 * `blob:` media is the live MediaSource player; `data:`/`blob:` images are snapshots. No inline script or style
 * (the renderer build needs none); nothing may frame the UI, post forms or change `<base>`.
 */
export function contentSecurityPolicy(options: { websockets: boolean }): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    // The browser UI's socket.io connection; the desktop app uses IPC and opens no socket.
    options.websockets ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
