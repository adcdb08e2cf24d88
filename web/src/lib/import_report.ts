// The validation report of an import (which line, column and field was
// wrong), from either place it comes from: a 422 problem when the request
// itself is refused, or a failed import job's error_details.
import type { ApiError, FieldError } from '@/api/client';
import type { Job } from '@/api/jobs';

export interface ImportReport {
  /** One sentence: what failed, e.g. "2 errors in customers.csv". */
  summary: string;
  /** The errors listed (the server keeps the first 100). */
  errors: FieldError[];
  /** How many errors were found; more than errors.length when the list was cut. */
  total: number;
}

/** From a refused import request (422 problem). */
export function reportFromProblem(error: ApiError): ImportReport {
  const errors = error.fieldErrors;
  const summary = error.problem.detail ? `${error.problem.title}: ${error.problem.detail}` : error.problem.title;
  return { summary, errors, total: errors.length };
}

/**
 * From an import job that failed on bad rows; null when the job did not fail
 * or its failure names no rows (then jobFailure() says what went wrong).
 */
export function reportFromJob(job: Pick<Job, 'state' | 'error_details' | 'payload'>): ImportReport | null {
  if (job.state !== 'failed' && job.state !== 'dead') return null;
  const details = job.error_details;
  if (!details || !Array.isArray(details.errors) || details.errors.length === 0) return null;
  const errors: FieldError[] = details.errors.map((e) => ({
    field: e.field ?? '',
    message: e.message ?? '',
    line: e.line ?? undefined,
    column: e.column ?? undefined,
  }));
  const total = Math.max(details.errors_total ?? 0, errors.length);
  const payload = job.payload as Record<string, unknown> | undefined;
  const source = typeof payload?.source === 'string' && payload.source ? payload.source : 'the file';
  return { summary: `Import failed: ${total.toLocaleString('en-US')} ${total === 1 ? 'error' : 'errors'} in ${source}`, errors, total };
}
