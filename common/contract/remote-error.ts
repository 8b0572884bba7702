import type { ApiError, ErrorCode } from './errors.js';

/** What a client-side `Transport.invoke` rejects with: the wire `ApiError` as an `Error`. */
export class RemoteError extends Error implements ApiError {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'RemoteError';
    this.code = error.code;
    if (error.details !== undefined) this.details = error.details;
  }
}
