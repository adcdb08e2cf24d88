// Model registry: versions with their test metrics, one version's details
// or two side by side, training a new version (a background job followed
// with live progress), promoting (or rolling back to) a version, and the
// training runs the experiment tracker recorded, compared side by side.
import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { BrainCircuit, Loader2, Plus, Rocket, RotateCcw } from 'lucide-react';
import { api } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { isFinished, jobFailure, useCancelJob, useJob, type Job } from '@/api/jobs';
import { algorithmLabels, useModel, useModels, type Algorithm, type Model, type TrainRequest, type TrainResult } from '@/api/ml';
import { useCan } from '@/auth/auth';
import { PageHeader } from '@/components/layout';
import { CalibrationChart, ConfusionMatrix, CurveChart, ImportanceChart, kSeriesColors } from '@/components/model_charts';
import { JobProgress } from '@/components/job_progress';
import { EmptyState } from '@/components/risk';
import { TrainingRuns } from '@/components/training_runs';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { cn } from '@/lib/utils';

const stageClasses: Record<string, string> = {
  production: 'bg-success/15 text-success border-transparent',
  candidate: 'bg-accent text-accent-foreground border-transparent',
  archived: 'text-muted-foreground',
};

export function StageBadge({ stage }: { stage: string }) {
  return (
    <Badge variant="outline" className={cn('capitalize', stageClasses[stage])} data-testid="stage-badge">
      {stage}
    </Badge>
  );
}

const metricRows: { key: keyof NonNullable<Model['metrics']['test']>; label: string; better: 'high' | 'low' }[] = [
  { key: 'roc_auc', label: 'ROC-AUC', better: 'high' },
  { key: 'pr_auc', label: 'PR-AUC', better: 'high' },
  { key: 'f1', label: 'F1', better: 'high' },
  { key: 'precision', label: 'Precision', better: 'high' },
  { key: 'recall', label: 'Recall', better: 'high' },
  { key: 'accuracy', label: 'Accuracy', better: 'high' },
  { key: 'log_loss', label: 'Log loss', better: 'low' },
  { key: 'brier', label: 'Brier score', better: 'low' },
  { key: 'threshold', label: 'Decision threshold', better: 'high' },
];

const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '—');
const when = (s?: string | null) => (s ? new Date(s).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

function MetricsTable({ models }: { models: Model[] }) {
  return (
    <Table aria-label="Test metrics">
      <THead>
        <TR className="hover:bg-transparent">
          <TH>Metric (test split)</TH>
          {models.map((m, i) => (
            <TH key={m.version} className="text-right">
              <span className="inline-flex items-center gap-1.5">
                <span className="size-2 rounded-full" style={{ background: kSeriesColors[i] }} aria-hidden />v{m.version}
              </span>
            </TH>
          ))}
        </TR>
      </THead>
      <TBody>
        {metricRows.map((r) => {
          const values = models.map((m) => m.metrics.test?.[r.key] as number | undefined);
          const best =
            models.length > 1 && r.key !== 'threshold' && values.every((v) => typeof v === 'number') && values[0] !== values[1]
              ? r.better === 'high'
                ? Math.max(...(values as number[]))
                : Math.min(...(values as number[]))
              : undefined;
          return (
            <TR key={r.key}>
              <TD className="text-muted-foreground">{r.label}</TD>
              {values.map((v, i) => (
                <TD key={i} className={cn('text-right tabular-nums', best !== undefined && v === best && 'font-semibold text-success')}>
                  {fmt(v)}
                </TD>
              ))}
            </TR>
          );
        })}
        <TR>
          <TD className="text-muted-foreground">Test rows (churned)</TD>
          {models.map((m) => (
            <TD key={m.version} className="text-right tabular-nums">
              {m.metrics.test?.rows ?? '—'} ({m.metrics.test?.positives ?? '—'})
            </TD>
          ))}
        </TR>
      </TBody>
    </Table>
  );
}

function ParamsList({ model }: { model: Model }) {
  const params = Object.entries(model.params ?? {});
  const d = (model.details ?? {}) as Record<string, unknown>;
  const rows = d.rows as { train?: number; validation?: number; test?: number } | undefined;
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-3" aria-label={`Parameters of v${model.version}`}>
      <div>
        <dt className="text-xs text-muted-foreground">Algorithm</dt>
        <dd className="font-medium">{algorithmLabels[model.algorithm as Algorithm] ?? model.algorithm}</dd>
      </div>
      {rows && (
        <div>
          <dt className="text-xs text-muted-foreground">Rows train / validation / test</dt>
          <dd className="font-medium tabular-nums">
            {rows.train} / {rows.validation} / {rows.test}
          </dd>
        </div>
      )}
      {typeof d.training_seconds === 'number' && (
        <div>
          <dt className="text-xs text-muted-foreground">Training time</dt>
          <dd className="font-medium tabular-nums">{d.training_seconds.toFixed(1)} s</dd>
        </div>
      )}
      {params.map(([k, v]) => (
        <div key={k} className="min-w-0">
          <dt className="truncate text-xs text-muted-foreground">{k}</dt>
          <dd className="truncate font-mono text-xs" title={JSON.stringify(v)}>
            {typeof v === 'number' ? String(Math.round(v * 10000) / 10000) : typeof v === 'string' ? v : JSON.stringify(v)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function TrainDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const [algorithm, setAlgorithm] = React.useState<Algorithm>('gbdt');
  const [costRatio, setCostRatio] = React.useState('');
  const [budget, setBudget] = React.useState('6');
  const [jobId, setJobId] = React.useState<string | null>(null);
  const queryClient = useQueryClient();
  const toast = useToast();
  const start = useMutation({
    // One key per submission: a double click or a retried request starts one training.
    mutationFn: (v: { body: Partial<TrainRequest>; key: string }) =>
      api<Job>('/api/v1/models/train', { method: 'POST', json: v.body, idempotencyKey: v.key }),
    onSuccess: (job) => setJobId(job.id),
  });
  const job = useJob(jobId);
  const cancel = useCancelJob();
  const finished = isFinished(job.data);
  const r = job.data?.state === 'succeeded' ? (job.data.result as TrainResult) : undefined;
  const failure = finished && job.data ? jobFailure(job.data) : null;
  React.useEffect(() => {
    if (!finished) return;
    queryClient.invalidateQueries({ queryKey: ['models'] });
    queryClient.invalidateQueries({ queryKey: ['runs'] });
    if (r) toast(`Trained model v${r.model?.version}${r.promoted ? ' — now in production' : ''}`);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finished]);
  React.useEffect(() => {
    if (open && (finished || !jobId)) {
      start.reset();
      setJobId(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const running = start.isPending || (!!jobId && !finished);
  const ratio = costRatio.trim() === '' ? null : Number(costRatio);
  const budgetN = Number(budget);
  const invalid = (ratio !== null && !(ratio > 0)) || !(Number.isInteger(budgetN) && budgetN >= 1 && budgetN <= 50);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Train a new model</DialogTitle>
          <DialogDescription>
            Uses every labelled customer: train, validation and test splits, a small parameter search, calibration. Training runs as a background job; you
            may close this window and follow it on the Jobs page.
          </DialogDescription>
        </DialogHeader>
        {!r && (
          <form
            id="train-form"
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (!invalid && !running) start.mutate({ body: { algorithm, cost_ratio: ratio, search_budget: budgetN }, key: crypto.randomUUID() });
            }}
          >
            <div className="grid gap-1.5">
              <Label htmlFor="train-algorithm">Algorithm</Label>
              <Select value={algorithm} onValueChange={(v) => setAlgorithm(v as Algorithm)} disabled={running}>
                <SelectTrigger id="train-algorithm" aria-label="Algorithm">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {(Object.keys(algorithmLabels) as Algorithm[]).map((a) => (
                    <SelectItem key={a} value={a}>
                      {algorithmLabels[a]}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="grid gap-1.5">
                <Label htmlFor="train-cost">Cost ratio (optional)</Label>
                <Input id="train-cost" inputMode="decimal" placeholder="maximise F1" value={costRatio} onChange={(e) => setCostRatio(e.target.value)} disabled={running} />
                <p className="text-xs text-muted-foreground">Cost of a missed churner ÷ cost of a needless retention offer.</p>
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="train-budget">Search budget</Label>
                <Input id="train-budget" inputMode="numeric" value={budget} onChange={(e) => setBudget(e.target.value)} disabled={running} />
                <p className="text-xs text-muted-foreground">Parameter sets to try (1–50); more is slower.</p>
              </div>
            </div>
            {running && (
              <JobProgress job={job.data} label="Training" onCancel={jobId ? () => cancel.mutate(jobId) : undefined} cancelling={cancel.isPending} />
            )}
            {(start.error || job.error || failure) && (
              <p role="alert" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
                {start.error ? errorMessage(start.error) : job.error ? errorMessage(job.error) : failure}
              </p>
            )}
          </form>
        )}
        {r && (
          <div className="grid gap-2 text-sm" data-testid="train-result">
            <p className="flex items-center gap-2 text-base font-medium">
              Model v{r.model?.version} {r.model && <StageBadge stage={r.model.stage} />}
            </p>
            <p>
              Test ROC-AUC <strong className="tabular-nums">{fmt(r.model?.metrics.test?.roc_auc)}</strong>, PR-AUC{' '}
              <strong className="tabular-nums">{fmt(r.model?.metrics.test?.pr_auc)}</strong>, F1 <strong className="tabular-nums">{fmt(r.model?.metrics.test?.f1)}</strong>
              {typeof r.seconds === 'number' && <> · {r.seconds.toFixed(1)} s</>}
            </p>
            {r.reason && <p className="text-muted-foreground">{r.promoted ? 'Promoted: ' : 'Kept as a candidate: '}{r.reason}</p>}
          </div>
        )}
        <DialogFooter>
          {r ? (
            <Button onClick={() => onOpenChange(false)}>Done</Button>
          ) : (
            <>
              <Button variant="outline" onClick={() => onOpenChange(false)}>
                {running ? 'Close' : 'Cancel'}
              </Button>
              <Button type="submit" form="train-form" disabled={running || invalid}>
                {running ? <Loader2 className="animate-spin" /> : <BrainCircuit />} Train
              </Button>
            </>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function PromoteDialog({ model, production, onClose }: { model: Model | null; production: Model | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const promote = useMutation({
    mutationFn: (v: number) => api<Model>(`/api/v1/models/${v}/promote`, { method: 'POST' }),
    onSuccess: (m) => {
      toast(`Model v${m.version} is now in production`);
      queryClient.invalidateQueries({ queryKey: ['models'] });
      onClose();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const rollback = model?.stage === 'archived';
  return (
    <Dialog open={model !== null} onOpenChange={(o) => !o && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{rollback ? `Roll back to v${model?.version}?` : `Promote v${model?.version} to production?`}</DialogTitle>
          <DialogDescription>
            Predictions and scoring switch to v{model?.version} at once
            {production ? `; v${production.version} is archived (you can roll back to it later).` : '.'}
          </DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={promote.isPending} onClick={() => model && promote.mutate(model.version)}>
            {promote.isPending && <Loader2 className="animate-spin" />}
            {rollback ? 'Roll back' : 'Promote'}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function ModelsPage() {
  const canTrain = useCan('analyst');
  const schema = useSchema();
  const models = useModels();
  const [training, setTraining] = React.useState(false);
  const [promoting, setPromoting] = React.useState<Model | null>(null);
  const [picked, setPicked] = React.useState<number[]>([]);
  const list = models.data ?? [];
  const production = list.find((m) => m.stage === 'production');

  // Shown: the picked versions (up to two), else production, else the newest.
  const shown = picked.length ? picked : production ? [production.version] : list[0] ? [list[0].version] : [];
  const first = useModel(shown[0]);
  const second = useModel(shown[1]);
  const detailed = [first.data, second.data].filter((m): m is Model => Boolean(m));

  function togglePick(v: number) {
    setPicked((p) => (p.includes(v) ? p.filter((x) => x !== v) : [...p, v].slice(-2)));
  }

  return (
    <>
      <PageHeader
        title="Models"
        description={production ? `v${production.version} (${algorithmLabels[production.algorithm as Algorithm] ?? production.algorithm}) scores customers.` : 'Versions trained on the labelled customers.'}
        actions={
          canTrain && schema.data ? (
            <Button onClick={() => setTraining(true)}>
              <Plus /> Train new model
            </Button>
          ) : undefined
        }
      />
      {models.error && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(models.error)}
        </p>
      )}
      {schema.isSuccess && !schema.data && (
        <EmptyState icon={BrainCircuit} title="No data to learn from">
          Import a customer table with an outcome column on the Data page first.
        </EmptyState>
      )}
      {models.isSuccess && list.length === 0 && schema.data && (
        <EmptyState icon={BrainCircuit} title="No model yet">
          {canTrain ? 'Train a model to predict churn from the labelled customers.' : 'An analyst needs to train the first model.'}
        </EmptyState>
      )}

      {list.length > 0 && (
        <Card className="overflow-hidden">
          <Table aria-label="Model versions">
            <THead>
              <TR className="hover:bg-transparent">
                <TH className="w-10">
                  <span className="sr-only">Compare</span>
                </TH>
                <TH>Version</TH>
                <TH>Stage</TH>
                <TH>Algorithm</TH>
                <TH className="text-right">ROC-AUC</TH>
                <TH className="text-right">PR-AUC</TH>
                <TH className="text-right">F1</TH>
                <TH>Created</TH>
                {canTrain && (
                  <TH>
                    <span className="sr-only">Actions</span>
                  </TH>
                )}
              </TR>
            </THead>
            <TBody>
              {list.map((m) => (
                <TR key={m.version} data-state={shown.includes(m.version) ? 'selected' : undefined}>
                  <TD>
                    <Checkbox aria-label={`Show v${m.version}`} checked={shown.includes(m.version)} onCheckedChange={() => togglePick(m.version)} />
                  </TD>
                  <TD className="font-medium">
                    <button type="button" className="text-primary hover:underline" onClick={() => setPicked([m.version])}>
                      v{m.version}
                    </button>
                  </TD>
                  <TD>
                    <StageBadge stage={m.stage} />
                  </TD>
                  <TD>{algorithmLabels[m.algorithm as Algorithm] ?? m.algorithm}</TD>
                  <TD className="text-right tabular-nums">{fmt(m.metrics.test?.roc_auc)}</TD>
                  <TD className="text-right tabular-nums">{fmt(m.metrics.test?.pr_auc)}</TD>
                  <TD className="text-right tabular-nums">{fmt(m.metrics.test?.f1)}</TD>
                  <TD className="whitespace-nowrap text-muted-foreground">{when(m.created_at)}</TD>
                  {canTrain && (
                    <TD className="text-right">
                      {m.stage !== 'production' && (
                        <Button variant="outline" size="sm" onClick={() => setPromoting(m)}>
                          {m.stage === 'archived' ? <RotateCcw /> : <Rocket />}
                          {m.stage === 'archived' ? 'Roll back' : 'Promote'}
                        </Button>
                      )}
                    </TD>
                  )}
                </TR>
              ))}
            </TBody>
          </Table>
          <p className="border-t px-4 py-2 text-xs text-muted-foreground">Tick two versions to compare them.</p>
        </Card>
      )}

      {detailed.length > 0 && (
        <div className="mt-6 grid gap-4 lg:grid-cols-2" data-testid="model-detail">
          <Card>
            <CardHeader>
              <CardTitle>{detailed.length > 1 ? `v${detailed[0].version} vs v${detailed[1].version}` : `Version ${detailed[0].version}`}</CardTitle>
              <CardDescription>Measured on the held-out test split, after calibration.</CardDescription>
            </CardHeader>
            <MetricsTable models={detailed} />
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>ROC curve</CardTitle>
              <CardDescription>True positive rate against false positive rate.</CardDescription>
            </CardHeader>
            <CardContent>
              <CurveChart models={detailed} kind="roc" />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Precision–recall curve</CardTitle>
            </CardHeader>
            <CardContent>
              <CurveChart models={detailed} kind="pr" />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Calibration</CardTitle>
              <CardDescription>Observed churn against predicted probability; the dashed line is perfect.</CardDescription>
            </CardHeader>
            <CardContent>
              <CalibrationChart models={detailed} />
            </CardContent>
          </Card>
          {detailed.map((m) => (
            <React.Fragment key={m.version}>
              <Card>
                <CardHeader>
                  <CardTitle>Confusion matrix · v{m.version}</CardTitle>
                  <CardDescription>At threshold {fmt(m.metrics.test?.threshold)}.</CardDescription>
                </CardHeader>
                <CardContent>
                  <ConfusionMatrix model={m} />
                </CardContent>
              </Card>
              <Card>
                <CardHeader>
                  <CardTitle>Feature importance · v{m.version}</CardTitle>
                </CardHeader>
                <CardContent>
                  <ImportanceChart model={m} />
                </CardContent>
              </Card>
              <Card className="lg:col-span-2">
                <CardHeader>
                  <CardTitle>Parameters · v{m.version}</CardTitle>
                  <CardDescription>
                    Created {when(m.created_at)}
                    {m.promoted_at ? ` · promoted ${when(m.promoted_at)}` : ''}
                  </CardDescription>
                </CardHeader>
                <CardContent>
                  <ParamsList model={m} />
                </CardContent>
              </Card>
            </React.Fragment>
          ))}
        </div>
      )}
      {(first.isLoading || second.isLoading) && <p className="mt-4 text-sm text-muted-foreground">Loading version details…</p>}

      {list.length > 0 && <TrainingRuns />}

      {canTrain && <TrainDialog open={training} onOpenChange={setTraining} />}
      {canTrain && <PromoteDialog model={promoting} production={production} onClose={() => setPromoting(null)} />}
    </>
  );
}
