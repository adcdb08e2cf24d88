// Admins see and change the periodic jobs (monitoring, retraining): cron in
// UTC, on/off, and when each runs next. The server validates the cron and
// names the wrong field; that message is shown under the input.
import * as React from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CalendarClock, Save } from 'lucide-react';
import { api, ApiError } from '@/api/client';
import type { components } from '@/api/schema';
import { errorMessage } from '@/api/hooks';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Switch } from '@/components/ui/switch';
import { useToast } from '@/components/ui/toast';
import { describeCron, timeUntil } from '@/lib/schedules';

export type Schedule = components['schemas']['Schedule'];
type ScheduleChange = components['schemas']['ScheduleChange'];

const kTitles: Record<string, string> = { monitoring: 'Risk monitoring', retraining: 'Model retraining' };

const when = (s: string) => new Date(s).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function ScheduleRow({ schedule }: { schedule: Schedule }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [cron, setCron] = React.useState(schedule.cron);
  React.useEffect(() => setCron(schedule.cron), [schedule.cron]);
  const save = useMutation({
    mutationFn: (change: ScheduleChange) =>
      api<Schedule>(`/api/v1/schedules/${encodeURIComponent(schedule.name)}`, { method: 'PUT', json: change }),
    onSuccess: (s) => {
      toast(`${kTitles[s.name] ?? s.name}: ${s.enabled ? `next run ${when(s.next_run_at!)}` : 'off'}`);
      queryClient.invalidateQueries({ queryKey: ['schedules'] });
    },
  });
  const cronError = save.error instanceof ApiError ? (save.error.byField().cron ?? errorMessage(save.error)) : save.error ? errorMessage(save.error) : null;
  const inputId = `schedule-cron-${schedule.name}`;
  const described = describeCron(cron);
  const dirty = cron.trim() !== schedule.cron;

  return (
    <div className="flex flex-col gap-3 border-t py-4 first:border-t-0 first:pt-0 sm:flex-row sm:items-start" data-testid={`schedule-${schedule.name}`}>
      <div className="min-w-40 flex-1">
        <div className="font-medium">{kTitles[schedule.name] ?? schedule.name}</div>
        <div className="text-xs text-muted-foreground">
          job kind <span className="font-mono">{schedule.job_kind}</span>
        </div>
        <div className="mt-1 text-sm" data-testid="schedule-next-run">
          {schedule.enabled && schedule.next_run_at ? (
            <>
              Next run {when(schedule.next_run_at)} <span className="text-muted-foreground">({timeUntil(schedule.next_run_at)})</span>
            </>
          ) : (
            <span className="text-muted-foreground">Off</span>
          )}
        </div>
        {!schedule.runnable && (
          <p className="mt-1 text-xs text-muted-foreground" data-testid="schedule-not-runnable">
            No worker runs <span className="font-mono">{schedule.job_kind}</span> jobs on this server yet, so its ticks are skipped.
          </p>
        )}
      </div>
      <form
        className="flex flex-1 flex-col gap-1"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ cron: cron.trim() });
        }}
      >
        <Label htmlFor={inputId}>Cron (UTC)</Label>
        <div className="flex gap-2">
          <Input
            id={inputId}
            value={cron}
            onChange={(e) => setCron(e.target.value)}
            className="font-mono"
            aria-invalid={cronError ? true : undefined}
            aria-describedby={`${inputId}-help`}
            spellCheck={false}
          />
          <Button type="submit" variant="outline" disabled={!dirty || save.isPending}>
            <Save /> Save
          </Button>
        </div>
        <p id={`${inputId}-help`} className={cronError ? 'text-xs text-destructive' : 'text-xs text-muted-foreground'} role={cronError ? 'alert' : undefined}>
          {cronError ?? described ?? `minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly (default ${schedule.default_cron})`}
        </p>
      </form>
      <div className="flex items-center gap-2 sm:pt-7">
        <Switch
          id={`schedule-enabled-${schedule.name}`}
          checked={schedule.enabled}
          disabled={save.isPending}
          onCheckedChange={(enabled) => save.mutate({ enabled })}
          aria-label={`${kTitles[schedule.name] ?? schedule.name} on`}
        />
        <Label htmlFor={`schedule-enabled-${schedule.name}`}>{schedule.enabled ? 'On' : 'Off'}</Label>
      </div>
    </div>
  );
}

export function SchedulesCard() {
  const schedules = useQuery({
    queryKey: ['schedules'],
    queryFn: () => api<{ items: Schedule[] }>('/api/v1/schedules'),
    retry: false,
    refetchInterval: 60_000,
  });
  if (schedules.error instanceof ApiError && (schedules.error.status === 404 || schedules.error.status === 503)) return null;
  return (
    <Card className="mb-6" aria-labelledby="schedules-title">
      <CardHeader>
        <CardTitle id="schedules-title" className="flex items-center gap-2">
          <CalendarClock className="size-4" aria-hidden /> Schedules
        </CardTitle>
        <CardDescription>Periodic jobs every server follows; each tick starts exactly one job.</CardDescription>
      </CardHeader>
      <CardContent>
        {schedules.error && (
          <p role="alert" className="text-sm text-destructive">
            {errorMessage(schedules.error)}
          </p>
        )}
        {schedules.data?.items.map((s) => <ScheduleRow key={s.name} schedule={s} />)}
      </CardContent>
    </Card>
  );
}
