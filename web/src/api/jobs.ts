// Following one background job (train, score, import, export) until it ends.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from './schema';
import { api } from './client';

export type Job = components['schemas']['Job'];

export function isFinished(job: Pick<Job, 'state'> | undefined): boolean {
  return !!job && job.state !== 'queued' && job.state !== 'running';
}

/** Polls GET /api/v1/jobs/{id} every `intervalMs` while the job is queued or running. */
export function useJob(id: string | null, intervalMs = 500) {
  return useQuery({
    queryKey: ['jobs', 'one', id],
    queryFn: () => api<Job>(`/api/v1/jobs/${encodeURIComponent(id ?? '')}`),
    enabled: !!id,
    refetchInterval: (q) => (isFinished(q.state.data) ? false : intervalMs),
  });
}

export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
    onSuccess: (j) => queryClient.invalidateQueries({ queryKey: ['jobs', 'one', j.id] }),
  });
}

/** What went wrong with a job that ended without succeeding, in a sentence. */
export function jobFailure(job: Job): string | null {
  switch (job.state) {
    case 'failed':
      return job.error || 'The job failed.';
    case 'dead':
      return `The job failed ${job.attempts} times and was given up${job.error ? `: ${job.error}` : '.'}`;
    case 'cancelled':
      return 'The job was cancelled.';
    default:
      return null;
  }
}
