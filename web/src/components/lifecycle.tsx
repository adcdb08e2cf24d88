// Customer lifecycle visuals: the Active / Departed badge and the risk
// monitor's outcomes section (how the scores before departure foresaw the
// customers who left, from GET /api/v1/risk/outcomes).
import * as React from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { UserMinus } from 'lucide-react';
import type { Customer } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import { useRiskOutcomes, type RiskOutcomes } from '@/api/ml';
import { axisTick, EmptyState, tooltipStyle } from '@/components/risk';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Segmented } from '@/components/ui/segmented';
import { Table, TBody, TD, TH, TR } from '@/components/ui/table';
import {
  departedText,
  formatAuc,
  formatLeadDays,
  formatShare,
  kOutcomeWindows,
  outcomeSentence,
  outcomeWeeks,
  statusLabel,
  type OutcomeWindow,
} from '@/lib/lifecycle';
import { numberFormat, percentFormat } from '@/lib/utils';

/** "Active", or "Departed" (with the date when `withDate`). */
export function StatusBadge({ customer, withDate = false }: { customer: Pick<Customer, 'status' | 'departed_at'>; withDate?: boolean }) {
  const departed = customer.status === 'departed';
  return (
    <Badge variant={departed ? 'destructive' : 'outline'} data-testid="status-badge" data-status={customer.status ?? ''}>
      {departed && withDate ? departedText(customer.departed_at) : statusLabel(customer.status)}
    </Badge>
  );
}

const windowOptions = kOutcomeWindows.map((d) => ({ value: d, label: `${d} days` }));

function OutcomeFigures({ o }: { o: RiskOutcomes }) {
  const rows: { name: string; value: string; hint: string }[] = [
    { name: 'Departed', value: numberFormat.format(o.departed), hint: 'left in the window, with a score before leaving' },
    { name: 'Flagged before leaving', value: numberFormat.format(o.flagged_departed), hint: `scored at or above ${percentFormat.format(o.high_risk_threshold)} before leaving` },
    {
      name: 'Precision',
      value: formatShare(o.precision),
      hint: `of the ${numberFormat.format(o.flagged)} flagged (departed and active), the share who left`,
    },
    { name: 'Recall', value: formatShare(o.recall), hint: 'of those who left, the share flagged' },
    {
      name: 'ROC-AUC',
      value: formatAuc(o.roc_auc),
      hint: `scores before leaving against ${numberFormat.format(o.active_compared)} active customers scored in the same runs`,
    },
    { name: 'Median lead time', value: formatLeadDays(o.median_lead_days), hint: 'from the first high-risk score to departure' },
  ];
  return (
    <Table aria-label="Outcome figures">
      <TBody>
        {rows.map((r) => (
          <TR key={r.name} className="hover:bg-transparent">
            <TH scope="row" className="h-auto whitespace-normal py-2 font-normal">
              <span className="block text-sm text-foreground">{r.name}</span>
              <span className="block text-xs font-normal text-muted-foreground">{r.hint}</span>
            </TH>
            <TD className="text-right text-base font-semibold tabular-nums" data-testid={`outcome-${r.name.toLowerCase().replace(/[^a-z]+/g, '-')}`}>
              {r.value}
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function WeeklyOutcomes({ weekly, height = 240 }: { weekly: RiskOutcomes['weekly']; height?: number }) {
  const data = outcomeWeeks(weekly);
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No weekly figures in this window.</p>;
  return (
    <>
      <div style={{ height }} className="w-full" role="img" aria-label="Departed and flagged departed customers per week" data-testid="outcomes-chart" data-weeks={data.length}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
            <XAxis dataKey="label" tick={axisTick} stroke="var(--color-border)" minTickGap={8} />
            <YAxis tick={axisTick} stroke="var(--color-border)" width={40} allowDecimals={false} />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ fontSize: 12 }} />
            <Tooltip
              cursor={{ fill: 'var(--color-muted)' }}
              contentStyle={tooltipStyle}
              labelFormatter={(_l, p) => (p?.[0]?.payload ? `Week of ${p[0].payload.label}` : '')}
              formatter={(v, name) => [numberFormat.format(Number(v)), String(name)]}
            />
            <Bar dataKey="departed" name="Departed" fill="var(--color-chart-2)" radius={[4, 4, 0, 0]} maxBarSize={28} isAnimationActive={false} />
            <Bar dataKey="flagged" name="Flagged before leaving" fill="var(--color-chart-1)" radius={[4, 4, 0, 0]} maxBarSize={28} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>Departures per week</caption>
        <thead>
          <tr>
            <th>Week of</th>
            <th>Departed</th>
            <th>Flagged before leaving</th>
            <th>Recall</th>
          </tr>
        </thead>
        <tbody>
          {data.map((w) => (
            <tr key={w.week}>
              <td>{w.week}</td>
              <td>{w.departed}</td>
              <td>{w.flagged}</td>
              <td>{formatShare(w.recall)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The risk monitor's outcomes section with its 30 / 90 / 365-day window. */
export function OutcomesCard({ className }: { className?: string }) {
  const [days, setDays] = React.useState<OutcomeWindow>(90);
  const outcomes = useRiskOutcomes(days);
  const o = outcomes.data;
  return (
    <Card className={className} data-testid="outcomes">
      <CardHeader className="flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <CardTitle>Outcomes</CardTitle>
          <CardDescription>How the scores before departure foresaw the customers who left.</CardDescription>
        </div>
        <Segmented label="Outcome window" value={days} options={windowOptions} onChange={setDays} />
      </CardHeader>
      <CardContent aria-busy={outcomes.isFetching}>
        {outcomes.error ? (
          <p role="alert" className="text-sm text-destructive">
            {errorMessage(outcomes.error)}
          </p>
        ) : !o ? (
          <p className="text-sm text-muted-foreground">Loading…</p>
        ) : o.departed === 0 ? (
          <EmptyState icon={UserMinus} title="No departures recorded in this window yet">
            When scored customers leave (their label turns to churned), this shows how many the risk scores flagged beforehand.
          </EmptyState>
        ) : (
          <>
            <p className="mb-4 text-sm" data-testid="outcome-sentence">
              {outcomeSentence(o, days)}
            </p>
            <div className="grid gap-6 lg:grid-cols-5">
              <div className="lg:col-span-2">
                <OutcomeFigures o={o} />
              </div>
              <div className="lg:col-span-3">
                <WeeklyOutcomes weekly={o.weekly} />
              </div>
            </div>
          </>
        )}
      </CardContent>
    </Card>
  );
}
