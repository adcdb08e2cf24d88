// Background jobs (imports, exports, ...): state, progress and outcome;
// analysts cancel. Refreshes every two seconds while any job is unfinished.
import * as React from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ListChecks, Loader2, XCircle } from 'lucide-react';
import { api, ApiError } from '@/api/client';
import type { components } from '@/api/schema';
import { errorMessage } from '@/api/hooks';
import { useCan } from '@/auth/auth';
import { PageHeader } from '@/components/layout';
import { EmptyState } from '@/components/risk';
import { SchedulesCard } from '@/components/schedules_card';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { cn, percentFormat } from '@/lib/utils';
import { jobOutcome } from '@/lib/jobs';

export type Job = components['schemas']['Job'];

const kStates: Job['state'][] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead'];
const stateClasses: Record<Job['state'], string> = {
  queued: 'bg-muted text-muted-foreground border-transparent',
  running: 'bg-accent text-accent-foreground border-transparent',
  succeeded: 'bg-success/15 text-success border-transparent',
  failed: 'bg-destructive/15 text-destructive border-transparent',
  cancelled: 'text-muted-foreground',
  dead: 'bg-destructive/15 text-destructive border-transparent',
};

export function isUnfinished(job: Pick<Job, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running';
}

const when = (s?: string | null) => (s ? new Date(s).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—');

function duration(job: Job): string {
  if (!job.started_at) return '—';
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  const s = Math.max(0, (end - Date.parse(job.started_at)) / 1000);
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function JobsPage() {
  const canCancel = useCan('analyst');
  const isAdmin = useCan('admin');
  const toast = useToast();
  const queryClient = useQueryClient();
  const [state, setState] = React.useState<string>('all');
  const jobs = useQuery({
    queryKey: ['jobs', state],
    queryFn: () => api<{ items: Job[]; total: number }>(`/api/v1/jobs?limit=100${state !== 'all' ? `&state=${state}` : ''}`),
    refetchInterval: (q) => (q.state.data?.items.some(isUnfinished) ? 2000 : false),
    retry: false,
  });
  const cancel = useMutation({
    mutationFn: (id: string) => api<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
    onSuccess: (j) => {
      toast(j.state === 'cancelled' ? 'Job cancelled' : 'Cancellation requested; the job stops at its next step');
      queryClient.invalidateQueries({ queryKey: ['jobs'] });
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });

  const unavailable = jobs.error instanceof ApiError && (jobs.error.status === 404 || jobs.error.status === 503);
  const items = jobs.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Background work: training, scoring, large imports and exports."
        actions={
          <div className="flex items-center gap-2">
            <Label htmlFor="job-state" className="text-muted-foreground">
              State
            </Label>
            <Select value={state} onValueChange={setState}>
              <SelectTrigger id="job-state" className="w-40">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="all">All</SelectItem>
                {kStates.map((s) => (
                  <SelectItem key={s} value={s} className="capitalize">
                    {s}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
        }
      />
      {isAdmin && !unavailable && <SchedulesCard />}
      {unavailable && (
        <EmptyState icon={ListChecks} title="Background jobs are not enabled on this server">
          Imports and exports run in the request instead.
        </EmptyState>
      )}
      {jobs.error && !unavailable && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(jobs.error)}
        </p>
      )}
      {jobs.isSuccess && items.length === 0 && (
        <EmptyState icon={ListChecks} title="No jobs yet">
          Jobs appear here when you train a model, run scoring, or start a background import (Data page) or export.
        </EmptyState>
      )}
      {items.length > 0 && (
        <Card className="overflow-hidden">
          <Table aria-label="Jobs" aria-busy={jobs.isFetching}>
            <THead>
              <TR className="hover:bg-transparent">
                <TH>Job</TH>
                <TH>State</TH>
                <TH className="w-56">Progress</TH>
                <TH>Started by</TH>
                <TH>Created</TH>
                <TH>Duration</TH>
                {canCancel && (
                  <TH>
                    <span className="sr-only">Actions</span>
                  </TH>
                )}
              </TR>
            </THead>
            <TBody>
              {items.map((j) => (
                <TR key={j.id} data-testid="job-row">
                  <TD>
                    <div className="font-medium">{j.kind}</div>
                    <div className="font-mono text-xs text-muted-foreground">{j.id.slice(0, 12)}</div>
                  </TD>
                  <TD>
                    <Badge variant="outline" className={cn('capitalize', stateClasses[j.state])} data-testid="job-state">
                      {j.state === 'running' && <Loader2 className="mr-1 size-3 animate-spin" aria-hidden />}
                      {j.state}
                    </Badge>
                    {j.attempts > 1 && <div className="mt-1 text-xs text-muted-foreground">attempt {j.attempts} of {j.max_attempts}</div>}
                  </TD>
                  <TD>
                    <div className="flex items-center gap-2">
                      <div
                        className="h-2 flex-1 overflow-hidden rounded-full bg-muted"
                        role="progressbar"
                        aria-label={`Progress of ${j.kind}`}
                        aria-valuemin={0}
                        aria-valuemax={100}
                        aria-valuenow={Math.round(j.progress * 100)}
                      >
                        <div
                          className={cn('h-full rounded-full', j.state === 'failed' || j.state === 'dead' ? 'bg-destructive' : j.state === 'succeeded' ? 'bg-success' : 'bg-primary')}
                          style={{ width: `${Math.min(1, Math.max(0, j.progress)) * 100}%` }}
                        />
                      </div>
                      <span className="w-10 text-right text-xs tabular-nums">{percentFormat.format(j.progress)}</span>
                    </div>
                    <div className="mt-1 max-w-56 truncate text-xs text-muted-foreground" title={j.error ?? j.message}>
                      {j.error ?? (j.state === 'succeeded' ? (jobOutcome(j.kind, j.result) ?? j.message) : j.message)}
                    </div>
                  </TD>
                  <TD className="text-muted-foreground">{j.created_by ?? '—'}</TD>
                  <TD className="whitespace-nowrap text-muted-foreground">{when(j.created_at)}</TD>
                  <TD className="whitespace-nowrap tabular-nums text-muted-foreground">{duration(j)}</TD>
                  {canCancel && (
                    <TD className="text-right">
                      {isUnfinished(j) && (
                        <Button variant="outline" size="sm" disabled={j.cancel_requested || cancel.isPending} onClick={() => cancel.mutate(j.id)}>
                          <XCircle /> {j.cancel_requested ? 'Cancelling…' : 'Cancel'}
                        </Button>
                      )}
                    </TD>
                  )}
                </TR>
              ))}
            </TBody>
          </Table>
        </Card>
      )}
    </>
  );
}
