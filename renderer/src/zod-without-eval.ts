import { z } from 'zod';

// The renderer's policy (index.html) has no 'unsafe-eval'. Zod otherwise probes `new Function` when it builds
// an object schema, which Chromium reports as a CSP violation even though zod catches the error. This module
// must run before any schema is built, so main.tsx imports it first.
z.config({ jitless: true });
