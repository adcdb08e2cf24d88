// Charts for one or two model versions: ROC / PR overlays, calibration,
// confusion matrix and feature importance.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { Model } from '@/api/ml';
import { axisTick, tooltipStyle } from '@/components/risk';
import { calibrationSeries, curveSeries, importanceBars, mergeCurves } from '@/lib/risk';
import { numberFormat, percentFormat } from '@/lib/utils';

export const kSeriesColors = ['var(--color-chart-1)', 'var(--color-chart-2)'];
const fixed2 = (v: number) => v.toFixed(2);

function details(m: Model): Record<string, unknown> {
  return (m.details ?? {}) as Record<string, unknown>;
}

/** ROC or PR curves of up to two versions on one chart. */
export function CurveChart({ models, kind }: { models: Model[]; kind: 'roc' | 'pr' }) {
  const key = kind === 'roc' ? 'roc_curve' : 'pr_curve';
  const [a, b] = models.map((m) => curveSeries(details(m)[key]));
  const data = mergeCurves(a ?? [], b ?? []);
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No curve stored for this version.</p>;
  return (
    <div className="h-64 w-full" role="img" aria-label={kind === 'roc' ? 'ROC curve' : 'Precision-recall curve'}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, left: 0, bottom: 12 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis
            type="number"
            dataKey="x"
            domain={[0, 1]}
            tick={axisTick}
            stroke="var(--color-border)"
            tickFormatter={fixed2}
            label={{ value: kind === 'roc' ? 'False positive rate' : 'Recall', position: 'insideBottom', offset: -8, fill: 'var(--color-muted-foreground)', fontSize: 12 }}
          />
          <YAxis type="number" domain={[0, 1]} tick={axisTick} stroke="var(--color-border)" tickFormatter={fixed2} width={40} />
          <Tooltip contentStyle={tooltipStyle} formatter={(v) => fixed2(Number(v))} labelFormatter={(x) => `${kind === 'roc' ? 'FPR' : 'Recall'} ${fixed2(Number(x))}`} />
          {models.map((m, i) => (
            <Line
              key={m.version}
              dataKey={i === 0 ? 'a' : 'b'}
              name={`v${m.version}`}
              stroke={kSeriesColors[i]}
              strokeWidth={2}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
          {models.length > 1 && <Legend verticalAlign="top" height={24} />}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function CalibrationChart({ models }: { models: Model[] }) {
  const series = models.map((m) => calibrationSeries(details(m).calibration_curve));
  if (series.every((s) => s.length === 0)) return <p className="text-sm text-muted-foreground">No calibration bins stored.</p>;
  return (
    <div className="h-64 w-full" role="img" aria-label="Calibration curve: predicted against observed churn">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 12, left: 0, bottom: 12 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis
            type="number"
            dataKey="predicted"
            domain={[0, 1]}
            tick={axisTick}
            stroke="var(--color-border)"
            tickFormatter={fixed2}
            label={{ value: 'Predicted probability', position: 'insideBottom', offset: -8, fill: 'var(--color-muted-foreground)', fontSize: 12 }}
          />
          <YAxis type="number" dataKey="observed" domain={[0, 1]} tick={axisTick} stroke="var(--color-border)" tickFormatter={fixed2} width={40} />
          <ZAxis type="number" dataKey="count" range={[30, 160]} name="Customers" />
          <Tooltip contentStyle={tooltipStyle} formatter={(v, n) => (n === 'Customers' ? numberFormat.format(Number(v)) : fixed2(Number(v)))} />
          <Scatter
            name="perfect"
            data={[
              { predicted: 0, observed: 0, count: 1 },
              { predicted: 1, observed: 1, count: 1 },
            ]}
            line={{ stroke: 'var(--color-muted-foreground)', strokeDasharray: '4 4' }}
            shape={() => <g />}
            legendType="none"
            isAnimationActive={false}
          />
          {models.map((m, i) => (
            <Scatter key={m.version} name={`v${m.version}`} data={series[i]} fill={kSeriesColors[i]} line={{ stroke: kSeriesColors[i] }} isAnimationActive={false} />
          ))}
          {models.length > 1 && <Legend verticalAlign="top" height={24} />}
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ConfusionMatrix({ model }: { model: Model }) {
  const c = (details(model).confusion ?? model.metrics.test?.confusion) as { tp?: number; fp?: number; tn?: number; fn?: number } | undefined;
  if (!c) return <p className="text-sm text-muted-foreground">No confusion matrix stored.</p>;
  const total = (c.tp ?? 0) + (c.fp ?? 0) + (c.tn ?? 0) + (c.fn ?? 0) || 1;
  const cell = (n: number | undefined, good: boolean, name: string) => (
    <td className={`rounded-md p-3 text-center ${good ? 'bg-success/15' : 'bg-destructive/10'}`} aria-label={`${name}: ${n ?? 0}`}>
      <div className="text-xl font-semibold tabular-nums">{numberFormat.format(n ?? 0)}</div>
      <div className="text-xs text-muted-foreground">
        {name} · {percentFormat.format((n ?? 0) / total)}
      </div>
    </td>
  );
  return (
    <table className="w-full border-separate border-spacing-1.5 text-sm" aria-label={`Confusion matrix of v${model.version}`} data-testid="confusion-matrix">
      <thead>
        <tr className="text-xs text-muted-foreground">
          <th />
          <th className="font-medium">Predicted churn</th>
          <th className="font-medium">Predicted stay</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th className="pr-2 text-right text-xs font-medium text-muted-foreground">Churned</th>
          {cell(c.tp, true, 'True positive')}
          {cell(c.fn, false, 'Missed')}
        </tr>
        <tr>
          <th className="pr-2 text-right text-xs font-medium text-muted-foreground">Stayed</th>
          {cell(c.fp, false, 'False alarm')}
          {cell(c.tn, true, 'True negative')}
        </tr>
      </tbody>
    </table>
  );
}

export function ImportanceChart({ model }: { model: Model }) {
  const data = importanceBars(details(model).importance);
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No importance stored.</p>;
  return (
    <div style={{ height: Math.max(160, data.length * 28 + 24) }} className="w-full" role="img" aria-label={`Feature importance of v${model.version}`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, left: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" horizontal={false} />
          <XAxis type="number" tick={axisTick} stroke="var(--color-border)" tickFormatter={(v: number) => percentFormat.format(v)} />
          <YAxis type="category" dataKey="attribute" tick={axisTick} stroke="var(--color-border)" width={120} />
          <Tooltip cursor={{ fill: 'var(--color-muted)' }} contentStyle={tooltipStyle} formatter={(v) => [percentFormat.format(Number(v)), 'Share of gain']} />
          <Bar dataKey="gain" fill="var(--color-chart-1)" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
