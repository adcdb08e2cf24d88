import { describe, expect, it } from 'vitest';
import { ApiError } from '@/api/client';
import type { Job } from '@/api/jobs';
import { reportFromJob, reportFromProblem } from './import_report';

function failedImport(details: Job['error_details'], state: Job['state'] = 'failed'): Job {
  return {
    id: 'j1',
    kind: 'import',
    state,
    progress: 0.4,
    attempts: 1,
    max_attempts: 3,
    created_at: '2026-01-01T00:00:00.000Z',
    payload: { source: 'customers.csv', mode: 'upsert' } as unknown as Job['payload'],
    error: '2 errors in customers.csv: line 3, column 7: Age: ...',
    error_details: details,
  };
}

describe('import report from a failed job', () => {
  it('lists each error with its line, column and field', () => {
    const report = reportFromJob(
      failedImport({
        errors: [
          { field: 'Age', message: "expected a whole number, got 'old'", line: 3, column: 7 },
          { field: '', message: 'expected 14 columns, got 10', line: 5, column: 11 },
        ],
        errors_total: 2,
      }),
    );
    expect(report).not.toBeNull();
    expect(report!.summary).toBe('Import failed: 2 errors in customers.csv');
    expect(report!.total).toBe(2);
    expect(report!.errors).toEqual([
      { field: 'Age', message: "expected a whole number, got 'old'", line: 3, column: 7 },
      { field: '', message: 'expected 14 columns, got 10', line: 5, column: 11 },
    ]);
  });

  it('keeps a header problem without a column, and counts errors beyond the list', () => {
    const report = reportFromJob(
      failedImport({ errors: [{ field: 'CustomerId', message: 'the id column is missing', line: 1, column: null }], errors_total: 140 }),
    )!;
    expect(report.errors[0].column).toBeUndefined();
    expect(report.errors[0].line).toBe(1);
    expect(report.total).toBe(140);
    expect(report.summary).toBe('Import failed: 140 errors in customers.csv');
  });

  it('is null for failures that name no rows and for jobs that did not fail', () => {
    expect(reportFromJob(failedImport(null))).toBeNull();
    expect(reportFromJob(failedImport(undefined))).toBeNull();
    expect(reportFromJob(failedImport({ errors: [], errors_total: 0 }))).toBeNull();
    expect(reportFromJob(failedImport({ errors: [{ field: 'Age', message: 'x', line: 2, column: 1 }], errors_total: 1 }, 'running'))).toBeNull();
  });
});

describe('import report from a refused request', () => {
  it('takes the problem title, detail and errors', () => {
    const error = new ApiError({
      type: '/problems/validation',
      title: 'Validation failed',
      status: 422,
      detail: '1 error in upload.csv',
      errors: [{ field: 'Age', message: 'bad', line: 4, column: 7 }],
    });
    expect(reportFromProblem(error)).toEqual({
      summary: 'Validation failed: 1 error in upload.csv',
      errors: [{ field: 'Age', message: 'bad', line: 4, column: 7 }],
      total: 1,
    });
  });
});
