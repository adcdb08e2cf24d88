// "Run monitoring now": starts a monitor job (score every customer, evaluate
// the alert rules, queue their alerts) and follows it with live progress.
// Used by the Alerts and Risk monitor pages, for analysts.
import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Play } from 'lucide-react';
import { api } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import { isFinished, jobFailure, useCancelJob, useJob, type Job } from '@/api/jobs';
import { JobProgress } from '@/components/job_progress';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { monitorOutcome } from '@/lib/alerts';

export function MonitoringRun() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [jobId, setJobId] = React.useState<string | null>(null);
  const job = useJob(jobId);
  const cancel = useCancelJob();
  const start = useMutation({
    mutationFn: () => api<Job>('/api/v1/monitoring/run', { method: 'POST' }),
    onSuccess: (j) => setJobId(j.id),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const finished = job.data && isFinished(job.data) ? job.data : null;
  React.useEffect(() => {
    if (!finished) return;
    if (finished.state === 'succeeded') toast(`Monitoring finished: ${monitorOutcome(finished.result) ?? 'done'}`);
    queryClient.invalidateQueries({ queryKey: ['alerts'] });
    queryClient.invalidateQueries({ queryKey: ['risk'] });
    queryClient.invalidateQueries({ queryKey: ['customers'] });
  }, [finished?.id, finished?.state]);
  const running = !!jobId && !finished;
  return (
    <div className="mb-4 grid gap-2">
      <div>
        <Button onClick={() => start.mutate()} disabled={start.isPending || running}>
          <Play /> Run monitoring now
        </Button>
      </div>
      {running && <JobProgress job={job.data} label="Monitoring" onCancel={() => jobId && cancel.mutate(jobId)} cancelling={cancel.isPending} />}
      {finished && finished.state === 'succeeded' && (
        <p className="text-sm text-muted-foreground" role="status" data-testid="monitor-outcome">
          Last run: {monitorOutcome(finished.result) ?? 'finished'}.
        </p>
      )}
      {finished && jobFailure(finished) && (
        <p role="alert" className="text-sm text-destructive">
          {jobFailure(finished)}
        </p>
      )}
    </div>
  );
}
