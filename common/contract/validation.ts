import type { z } from 'zod';
import { ContractError } from './errors.js';

/** One problem with an argument: where (`path`, e.g. `name` or `patch.rtspUrl`) and what. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Flattens zod issues into `{ path, message }` pairs the UI can put next to each field. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(argument)',
    message: issue.message,
  }));
}

/**
 * Parses `value` with `schema` or throws a `validation` ContractError whose message names the fields and whose
 * details list every issue. Messages come from our schemas; zod never echoes the rejected value.
 */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ContractError('validation', `Invalid ${what}: ${summary}`, { issues });
}
