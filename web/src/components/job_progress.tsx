// A running job's progress bar with its latest message, and a cancel button
// for those who may cancel.
import { Loader2, X } from 'lucide-react';
import type { Job } from '@/api/jobs';
import { Button } from '@/components/ui/button';

export function JobProgress({ job, label, onCancel, cancelling }: { job: Job | undefined; label: string; onCancel?: () => void; cancelling?: boolean }) {
  const fraction = Math.max(0, Math.min(1, job?.progress ?? 0));
  const percent = Math.round(fraction * 100);
  const waiting = !job || job.state === 'queued';
  return (
    <div className="grid gap-2 rounded-md border bg-muted/50 px-3 py-2 text-sm" data-testid="job-progress">
      <div className="flex items-center gap-2">
        <Loader2 className="size-4 shrink-0 animate-spin text-primary" aria-hidden />
        <span className="min-w-0 flex-1 truncate" role="status">
          {waiting ? `${label}: waiting for a worker…` : `${label}: ${job?.message || 'running'}`}
        </span>
        <span className="tabular-nums text-muted-foreground">{percent}%</span>
        {onCancel && job && !job.cancel_requested && (
          <Button variant="outline" size="sm" onClick={onCancel} disabled={cancelling}>
            <X /> Cancel
          </Button>
        )}
      </div>
      <div
        className="h-2 overflow-hidden rounded-full bg-muted"
        role="progressbar"
        aria-label={`${label} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="h-full bg-primary transition-[width] duration-300" style={{ width: `${percent}%` }} />
      </div>
      {job?.cancel_requested && <p className="text-xs text-muted-foreground">Cancelling at the next step…</p>}
    </div>
  );
}
