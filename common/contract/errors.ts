import { z } from 'zod';

/**
 * Errors cross every transport as plain data, never as class instances (see design.md, "One contract").
 * `ContractError` exists only inside a process so code can `throw`; transports turn it into `ApiError`.
 */
export const ERROR_CODES = [
  'validation',
  'unauthorized',
  'not_found',
  'conflict',
  'forbidden',
  'unsupported',
  'unavailable',
  'too_many_requests',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The wire shape as a schema (the OpenAPI document's `ApiError`). */
export const ApiErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});

/** The wire shape of every error. `details` never carries secrets. */
export interface ApiError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Thrown inside the engine; converted to `ApiError` at the transport. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
    this.details = details;
  }
}

/** HTTP status for each error code; the gateway and the HTTP transport share it. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  validation: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unsupported: 501,
  unavailable: 503,
  too_many_requests: 429,
  internal: 500,
};

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.message === 'string' &&
    typeof candidate.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(candidate.code)
  );
}

/**
 * Turns anything thrown into an `ApiError`. Unknown errors become `internal` with a generic message, so a
 * stack trace or a message that might quote a URL with credentials never leaves the process.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ContractError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  if (isApiError(error)) return error;
  return { code: 'internal', message: 'Internal error; see the OmniSight log for details.' };
}
