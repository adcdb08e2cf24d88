// Risk monitor: who is most at risk now, whose risk rose most, how the base
// splits by level and how the average moved over 30 days — all among active
// customers (departed ones are not scored) — and the outcomes: how the scores
// foresaw the customers who left. Analysts can re-score every active
// customer with the production model (a background job followed with live
// progress).
import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Loader2, Play, ShieldAlert, TrendingUp } from 'lucide-react';
import { api } from '@/api/client';
import { isFinished, jobFailure, useCancelJob, useJob, type Job } from '@/api/jobs';
import { errorMessage } from '@/api/hooks';
import { isNoModel, useHighRiskCount, useProductionModel, useRiskSummary, type RiskRecord, type ScoringResult } from '@/api/ml';
import { useCan } from '@/auth/auth';
import { JobProgress } from '@/components/job_progress';
import { PageHeader } from '@/components/layout';
import { OutcomesCard } from '@/components/lifecycle';
import { MonitoringRun } from '@/components/monitoring_run';
import { ChangeText, DailyTrend, EmptyState, LevelDistribution, RiskBadge } from '@/components/risk';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { populationText } from '@/lib/lifecycle';
import { levelDistribution } from '@/lib/risk';
import { numberFormat, percentFormat } from '@/lib/utils';

function RiskTable({ rows, label, showChange, empty }: { rows: RiskRecord[] | undefined; label: string; showChange?: boolean; empty: React.ReactNode }) {
  return (
    <Table aria-label={label}>
      <THead>
        <TR className="hover:bg-transparent">
          <TH>Customer</TH>
          <TH>Risk</TH>
          <TH className="text-right">{showChange ? 'Change' : 'Since last'}</TH>
          <TH className="hidden md:table-cell">Top reason</TH>
        </TR>
      </THead>
      <TBody>
        {(!rows || rows.length === 0) && (
          <TR className="hover:bg-transparent">
            <TD colSpan={4} className="py-8 text-center text-muted-foreground">
              {empty}
            </TD>
          </TR>
        )}
        {rows?.map((r) => (
          <TR key={r.customer_id}>
            <TD className="font-medium">
              <Link className="text-primary hover:underline" to={`/customers/${encodeURIComponent(r.customer_id ?? '')}`}>
                {r.customer_id}
              </Link>
            </TD>
            <TD>
              <RiskBadge level={r.risk_level} probability={r.probability} />
            </TD>
            <TD className="text-right">
              <ChangeText change={r.change} />
            </TD>
            <TD className="hidden max-w-64 truncate text-muted-foreground md:table-cell">{r.reasons?.[0]?.text ?? '—'}</TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

export function RiskPage() {
  const canScore = useCan('analyst');
  const summary = useRiskSummary(10, 30);
  const production = useProductionModel();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [jobId, setJobId] = React.useState<string | null>(null);

  const run = useMutation({
    mutationFn: () => api<Job>('/api/v1/scoring/run', { method: 'POST', idempotencyKey: crypto.randomUUID() }),
    onSuccess: (job) => setJobId(job.id),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const job = useJob(jobId);
  const cancel = useCancelJob();
  const finished = isFinished(job.data);
  const result = job.data?.state === 'succeeded' ? (job.data.result as ScoringResult) : null;
  const failure = finished && job.data ? jobFailure(job.data) : null;
  const scoring = run.isPending || (!!jobId && !finished);
  React.useEffect(() => {
    if (!finished) return;
    if (result) toast(`Scored ${numberFormat.format(result.scored ?? 0)} customers with model v${result.model_version}`);
    queryClient.invalidateQueries({ queryKey: ['risk'] });
    queryClient.invalidateQueries({ queryKey: ['customers'] });
    queryClient.invalidateQueries({ queryKey: ['customer'] });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finished]);

  const s = summary.data;
  const noModel = production.isSuccess && production.data === null;
  const highCount = useHighRiskCount(s?.high_risk_threshold).data;
  const threshold = percentFormat.format(s?.high_risk_threshold ?? 0.7);
  const population = populationText(s);

  return (
    <>
      <PageHeader
        title="Risk monitor"
        description={
          <>
            {production.data
              ? `Production model v${production.data.version} (${production.data.algorithm}). High risk from ${percentFormat.format(s?.high_risk_threshold ?? 0.7)}.`
              : 'Current churn risk among active customers.'}
            {population && (
              <span className="block" data-testid="risk-population">
                {population} (departed customers are not scored)
              </span>
            )}
          </>
        }
        actions={
          canScore && !noModel ? (
            <Button onClick={() => run.mutate()} disabled={scoring || !production.data}>
              {scoring ? <Loader2 className="animate-spin" /> : <Play />}
              {scoring ? 'Scoring…' : 'Run scoring now'}
            </Button>
          ) : undefined
        }
      />

      {noModel && (
        <EmptyState icon={ShieldAlert} title="No model yet">
          Risk scores come from the production model. <Link className="text-primary underline" to="/models">Train one on the Models page</Link>, then
          run scoring here.
        </EmptyState>
      )}

      {canScore && !noModel && <MonitoringRun />}

      {scoring && (
        <div className="mb-4">
          <JobProgress job={job.data} label="Scoring every active customer" onCancel={jobId ? () => cancel.mutate(jobId) : undefined} cancelling={cancel.isPending} />
        </div>
      )}
      {result && !scoring && (
        <Card className="mb-4 px-5 py-4 text-sm" role="status" data-testid="scoring-result">
          <p className="font-medium">
            Scored {numberFormat.format(result.scored ?? 0)} customers with model v{result.model_version} in {(result.seconds ?? 0).toFixed(1)} s.
          </p>
          <p className="mt-1 flex flex-wrap gap-2">
            {levelDistribution(result.by_level).map((l) => (
              <span key={l.level} className="inline-flex items-center gap-1">
                <RiskBadge level={l.level} /> {numberFormat.format(l.customers)}
              </span>
            ))}
          </p>
        </Card>
      )}
      {(summary.error || run.error || job.error || failure) && !isNoModel(run.error) && (
        <p role="alert" className="mb-4 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          {summary.error || run.error || job.error ? errorMessage(summary.error ?? run.error ?? job.error) : failure}
        </p>
      )}

      {s && !noModel && (s.scored ?? 0) === 0 && (
        <EmptyState icon={TrendingUp} title="No active customers scored yet">
          {canScore ? 'Run scoring now to give every active customer a churn probability.' : 'An analyst needs to run scoring first.'}
        </EmptyState>
      )}

      {s && (s.scored ?? 0) > 0 && (
        <div className="grid gap-4 lg:grid-cols-3">
          <Card>
            <CardHeader className="pb-1">
              <CardDescription>Scored active customers</CardDescription>
            </CardHeader>
            <CardContent>
              <p className="text-3xl font-semibold tracking-tight">{numberFormat.format(s.scored ?? 0)}</p>
            </CardContent>
          </Card>
          <Card>
            <CardHeader className="pb-1">
              <CardDescription>At risk among active customers (at or above {threshold})</CardDescription>
            </CardHeader>
            <CardContent>
              <p className="text-3xl font-semibold tracking-tight" data-testid="high-risk-count">
                {highCount === undefined ? '…' : numberFormat.format(highCount)}
              </p>
              <p className="mt-1 text-xs text-muted-foreground">
                {highCount === undefined ? ' ' : `${percentFormat.format(s.scored ? highCount / s.scored : 0)} of scored`} ·{' '}
                <Link className="text-primary hover:underline" to={`/customers?status=active&sort=-risk&filters=${encodeURIComponent(JSON.stringify([{ kind: 'range', attribute: 'risk', min: String(s.high_risk_threshold ?? 0.7), max: '' }]))}`}>
                  list them
                </Link>
              </p>
            </CardContent>
          </Card>
          <Card>
            <CardHeader className="pb-1">
              <CardDescription>Average probability of active customers</CardDescription>
            </CardHeader>
            <CardContent>
              <p className="text-3xl font-semibold tracking-tight">{percentFormat.format(s.average_probability ?? 0)}</p>
            </CardContent>
          </Card>

          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle>Highest risk among active customers</CardTitle>
              <CardDescription>Active customers at or above {threshold}, highest first.</CardDescription>
            </CardHeader>
            <RiskTable
              rows={s.high_risk}
              label="Highest risk customers"
              empty={
                <>
                  No active customer is at or above {threshold} right now.{' '}
                  <Link className="text-primary hover:underline" to="/customers?status=active&sort=-risk">
                    See the highest scores
                  </Link>
                  .
                </>
              }
            />
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Distribution by level</CardTitle>
            </CardHeader>
            <CardContent>
              <LevelDistribution byLevel={s.by_level} levels={s.levels} height={200} />
            </CardContent>
          </Card>

          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle>Biggest increases</CardTitle>
              <CardDescription>Largest rise since each active customer's previous score.</CardDescription>
            </CardHeader>
            <RiskTable rows={s.biggest_increases} label="Biggest risk increases" showChange empty="No customer's risk has risen since their previous score." />
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>30-day trend</CardTitle>
              <CardDescription>Average probability of the day's scores.</CardDescription>
            </CardHeader>
            <CardContent>
              <DailyTrend daily={s.daily} threshold={s.high_risk_threshold} height={200} />
            </CardContent>
          </Card>
        </div>
      )}

      {s && !noModel && <OutcomesCard className="mt-4" />}
    </>
  );
}
