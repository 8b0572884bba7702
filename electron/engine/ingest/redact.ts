/**
 * Removes credentials from anything about to be logged, shown or returned: argv arrays, FFmpeg's stderr,
 * error messages. Two layers: any `scheme://user:password@` user info, and the known secrets of this camera in
 * plain and percent-encoded form (FFmpeg sometimes prints a decoded URL or an auth header).
 */
export const REDACTED = '***';

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

export type Redactor = (text: string) => string;

export function createRedactor(secrets: readonly (string | null | undefined)[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    // Very short secrets would blank out ordinary words; the URL rule still removes them from URLs.
    if (secret === null || secret === undefined || secret.length < 3) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
  }
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const needle of sorted) result = result.split(needle).join(REDACTED);
    return result;
  };
}

export function redactArgs(args: readonly string[], redact: Redactor): string[] {
  return args.map(redact);
}
