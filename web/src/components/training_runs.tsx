// Training runs as the experiment tracker recorded them (GET /api/v1/runs):
// newest first, and the ticked ones compared metric by metric.
import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import type { components } from '@/api/schema';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { cn } from '@/lib/utils';

export type RunSummary = components['schemas']['RunSummary'];
type RunPage = { items: RunSummary[]; limit: number; offset: number; has_more: boolean };

const kPage = 10;
const kMaxCompared = 4;

/** The metrics compared side by side; `better` marks the best value of a row. */
export const runMetricRows: { key: string; label: string; better?: 'high' | 'low' }[] = [
  { key: 'test_roc_auc', label: 'Test ROC-AUC', better: 'high' },
  { key: 'test_pr_auc', label: 'Test PR-AUC', better: 'high' },
  { key: 'test_f1', label: 'Test F1', better: 'high' },
  { key: 'test_precision', label: 'Test precision', better: 'high' },
  { key: 'test_recall', label: 'Test recall', better: 'high' },
  { key: 'test_log_loss', label: 'Test log loss', better: 'low' },
  { key: 'test_brier', label: 'Test Brier score', better: 'low' },
  { key: 'validation_roc_auc', label: 'Validation ROC-AUC', better: 'high' },
  { key: 'threshold', label: 'Decision threshold' },
  { key: 'training_seconds', label: 'Training time (s)', better: 'low' },
];

/** Index of the best value in `values` for the rule, or -1 when there is no single best. */
export function bestIndex(values: (number | null | undefined)[], better?: 'high' | 'low'): number {
  if (!better || values.length < 2) return -1;
  let best = -1;
  values.forEach((v, i) => {
    if (typeof v !== 'number') return;
    if (best < 0) best = i;
    else if (better === 'high' ? v > (values[best] as number) : v < (values[best] as number)) best = i;
  });
  if (best < 0) return -1;
  const ties = values.filter((v) => v === values[best]).length;
  return ties > 1 ? -1 : best;
}

const fmt = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)) : '—');
const when = (s?: string | null) => (s ? new Date(s).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

const statusClasses: Record<string, string> = {
  FINISHED: 'bg-success/15 text-success border-transparent',
  RUNNING: 'bg-accent text-accent-foreground border-transparent',
  FAILED: 'bg-destructive/15 text-destructive border-transparent',
  KILLED: 'text-muted-foreground',
};

function CompareTable({ runs }: { runs: RunSummary[] }) {
  return (
    <Table aria-label="Run comparison">
      <THead>
        <TR className="hover:bg-transparent">
          <TH>Metric</TH>
          {runs.map((r) => (
            <TH key={r.id} className="text-right">
              {r.model_version ? `v${r.model_version}` : r.id.slice(0, 8)}
            </TH>
          ))}
        </TR>
      </THead>
      <TBody>
        <TR>
          <TD className="text-muted-foreground">Algorithm</TD>
          {runs.map((r) => (
            <TD key={r.id} className="text-right">
              {r.params.algorithm ?? '—'}
            </TD>
          ))}
        </TR>
        <TR>
          <TD className="text-muted-foreground">Search budget · seed</TD>
          {runs.map((r) => (
            <TD key={r.id} className="text-right tabular-nums">
              {r.params.search_budget ?? '—'} · {r.params.seed ?? '—'}
            </TD>
          ))}
        </TR>
        {runMetricRows.map((row) => {
          const values = runs.map((r) => r.metrics[row.key]);
          const best = bestIndex(values, row.better);
          return (
            <TR key={row.key}>
              <TD className="text-muted-foreground">{row.label}</TD>
              {values.map((v, i) => (
                <TD key={runs[i].id} className={cn('text-right tabular-nums', i === best && 'font-semibold text-success')}>
                  {fmt(v)}
                </TD>
              ))}
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}

export function TrainingRuns() {
  const [offset, setOffset] = React.useState(0);
  const [picked, setPicked] = React.useState<RunSummary[]>([]);
  const runs = useQuery({
    queryKey: ['runs', offset],
    queryFn: () => api<RunPage>(`/api/v1/runs?limit=${kPage}&offset=${offset}`),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'RUNNING') ? 5000 : false),
  });
  const items = runs.data?.items ?? [];
  const toggle = (run: RunSummary) =>
    setPicked((p) => (p.some((r) => r.id === run.id) ? p.filter((r) => r.id !== run.id) : [...p, run].slice(-kMaxCompared)));

  if (runs.isSuccess && items.length === 0 && offset === 0) return null;
  return (
    <Card className="mt-6 overflow-hidden" data-testid="training-runs">
      <CardHeader>
        <CardTitle>Training runs</CardTitle>
        <CardDescription>Every training as the experiment tracker recorded it. Tick up to {kMaxCompared} to compare.</CardDescription>
      </CardHeader>
      {runs.error && (
        <p role="alert" className="px-6 pb-4 text-sm text-destructive">
          {errorMessage(runs.error)}
        </p>
      )}
      {items.length > 0 && (
        <Table aria-label="Training runs">
          <THead>
            <TR className="hover:bg-transparent">
              <TH className="w-10">
                <span className="sr-only">Compare</span>
              </TH>
              <TH>Started</TH>
              <TH>Status</TH>
              <TH>Model</TH>
              <TH>Algorithm</TH>
              <TH className="text-right">ROC-AUC</TH>
              <TH className="text-right">F1</TH>
              <TH className="hidden md:table-cell">Source</TH>
            </TR>
          </THead>
          <TBody>
            {items.map((r) => {
              const checked = picked.some((p) => p.id === r.id);
              return (
                <TR key={r.id} data-state={checked ? 'selected' : undefined} data-testid="run-row">
                  <TD>
                    <Checkbox aria-label={`Compare run ${r.name}`} checked={checked} onCheckedChange={() => toggle(r)} />
                  </TD>
                  <TD className="whitespace-nowrap">{when(r.start_time)}</TD>
                  <TD>
                    <Badge variant="outline" className={cn(statusClasses[r.status])}>
                      {r.status.toLowerCase()}
                    </Badge>
                  </TD>
                  <TD>{r.model_version ? `v${r.model_version}` : '—'}</TD>
                  <TD>{r.params.algorithm ?? '—'}</TD>
                  <TD className="text-right tabular-nums">{fmt(r.metrics.test_roc_auc)}</TD>
                  <TD className="text-right tabular-nums">{fmt(r.metrics.test_f1)}</TD>
                  <TD className="hidden max-w-48 truncate text-muted-foreground md:table-cell">{r.source ?? '—'}</TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      )}
      {(offset > 0 || runs.data?.has_more) && (
        <div className="flex justify-end gap-2 border-t px-4 py-2">
          <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - kPage))}>
            Newer
          </Button>
          <Button variant="outline" size="sm" disabled={!runs.data?.has_more} onClick={() => setOffset(offset + kPage)}>
            Older
          </Button>
        </div>
      )}
      {picked.length > 1 && (
        <div className="border-t" data-testid="run-compare">
          <CompareTable runs={picked} />
        </div>
      )}
    </Card>
  );
}
