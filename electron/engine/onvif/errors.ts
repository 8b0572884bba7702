/**
 * Every way talking to a camera can fail, each with its own code and a message a user can act on. Messages
 * name the camera by host and port only: never a user name, password, digest, or URL with credentials.
 */

/** What went wrong, for the wizard to pick its wording and for tests to assert on. */
export type OnvifErrorCode =
  /** The camera refused the user name or password (ONVIF NotAuthorized fault, or HTTP 401 twice). */
  | 'unauthorized'
  /** The camera answered with a SOAP fault; the message carries the fault's reason text. */
  | 'soap_fault'
  /** No complete answer within the time limit. */
  | 'timeout'
  /** Connection refused, reset or dropped before a complete answer. */
  | 'connection'
  /** An HTTP status that is neither success, a SOAP fault nor an authentication challenge. */
  | 'http_status'
  /** An answer that is not the XML we asked for (malformed, too large, DOCTYPE, missing elements). */
  | 'bad_response'
  /** The camera does not offer the service the call needs (e.g. no media service). */
  | 'unsupported';

/** A failed ONVIF exchange. Plain data crosses the engine boundary: `{ code, message }`. */
export class OnvifError extends Error {
  constructor(
    readonly code: OnvifErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OnvifError';
  }

  toJSON(): { code: OnvifErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** `host:port` of a URL with any user info dropped, for messages. */
export function describeEndpoint(url: string | URL): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const port = parsed.port !== '' ? parsed.port : parsed.protocol === 'https:' ? '443' : '80';
    return `${parsed.hostname}:${port}`;
  } catch {
    return 'the camera';
  }
}
