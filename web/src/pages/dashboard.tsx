import * as React from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, type CustomerPage } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { appendFilters, type Filter } from '@/api/query';
import { PageHeader } from '@/components/layout';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Label } from '@/components/ui/label';
import { Button } from '@/components/ui/button';
import {
  categoricalAttributes,
  categoryValues,
  formatValue,
  labelAttribute,
  negativeLabelValue,
  positiveLabelValue,
} from '@/lib/schema';
import { numberFormat, percentFormat } from '@/lib/utils';
import { useHighRiskCount, useProductionModel, useRiskSummary } from '@/api/ml';
import { DailyTrend, LevelDistribution } from '@/components/risk';
import { populationText } from '@/lib/lifecycle';

function RiskOverview() {
  const summary = useRiskSummary(10, 30);
  const production = useProductionModel();
  const s = summary.data;
  const high = useHighRiskCount(s?.high_risk_threshold).data;
  if (production.isSuccess && production.data === null) {
    return (
      <Card className="mt-6" data-testid="risk-overview">
        <CardHeader>
          <CardTitle>Churn risk</CardTitle>
          <CardDescription>No model yet — train one on the Models page to score every customer.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild variant="outline">
            <Link to="/models">Go to Models</Link>
          </Button>
        </CardContent>
      </Card>
    );
  }
  if (!s) return null;
  if (!s.scored) {
    return (
      <Card className="mt-6" data-testid="risk-overview">
        <CardHeader>
          <CardTitle>Churn risk</CardTitle>
          <CardDescription>No active customer has been scored yet — run scoring on the Risk monitor page.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild variant="outline">
            <Link to="/risk">Go to Risk monitor</Link>
          </Button>
        </CardContent>
      </Card>
    );
  }
  const population = populationText(s);
  return (
    <div className="mt-6 grid gap-4 lg:grid-cols-2" data-testid="risk-overview">
      <div className="lg:col-span-2">
        <h2 className="text-lg font-semibold tracking-tight">Churn risk among active customers</h2>
        <p className="text-sm text-muted-foreground" data-testid="dashboard-population">
          {population ? `${population} · departed customers are not scored` : 'Departed customers are not scored.'}
        </p>
      </div>
      <div className="grid gap-4 sm:grid-cols-2 lg:col-span-2">
        <Stat
          label="At risk among active customers"
          value={<Link to="/risk" className="hover:underline" data-testid="dashboard-high-risk">{high === undefined ? '…' : numberFormat.format(high)}</Link>}
          hint={`at or above ${percentFormat.format(s.high_risk_threshold ?? 0.7)} · ${high === undefined ? '…' : percentFormat.format(high / s.scored)} of ${numberFormat.format(s.scored)} scored`}
        />
        <Stat label="Average churn risk among active customers" value={percentFormat.format(s.average_probability ?? 0)} hint="mean probability of the current scores" />
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Risk by level</CardTitle>
          <CardDescription>Active customers in each band of the current scores.</CardDescription>
        </CardHeader>
        <CardContent>
          <LevelDistribution byLevel={s.by_level} levels={s.levels} height={200} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>30-day risk trend</CardTitle>
          <CardDescription>Average churn probability of each day's scores of active customers.</CardDescription>
        </CardHeader>
        <CardContent>
          <DailyTrend daily={s.daily} threshold={s.high_risk_threshold} height={200} />
        </CardContent>
      </Card>
    </div>
  );
}

/** How many customers match the filters (one request, reading `total`). */
async function countCustomers(filters: Filter[]): Promise<number> {
  const params = appendFilters(new URLSearchParams({ limit: '1' }), filters);
  const page = await api<CustomerPage>(`/api/v1/customers?${params}`);
  return page.total;
}

function Stat({ label, value, hint }: { label: string; value: React.ReactNode; hint?: React.ReactNode }) {
  return (
    <Card>
      <CardHeader className="pb-1">
        <CardDescription>{label}</CardDescription>
      </CardHeader>
      <CardContent>
        <p className="text-3xl font-semibold tracking-tight">{value}</p>
        {hint && <p className="mt-1 text-xs text-muted-foreground">{hint}</p>}
      </CardContent>
    </Card>
  );
}

export function DashboardPage() {
  const schema = useSchema();
  const label = labelAttribute(schema.data);
  const categorical = categoricalAttributes(schema.data);
  const [groupBy, setGroupBy] = React.useState<string>('');
  const group = categorical.find((a) => a.name === groupBy) ?? categorical[0];

  const totals = useQuery({
    queryKey: ['dashboard', 'totals', label?.name],
    enabled: schema.isSuccess,
    queryFn: async () => {
      const total = await countCustomers([]);
      if (!label) return { total, churned: null, retained: null };
      const [churned, retained] = await Promise.all([
        countCustomers([{ kind: 'equals', attribute: label.name, value: positiveLabelValue(label) }]),
        countCustomers([{ kind: 'equals', attribute: label.name, value: negativeLabelValue(label) }]),
      ]);
      return { total, churned, retained };
    },
  });

  const values = group ? categoryValues(group) : [];
  const byValue = useQueries({
    queries: values.map((value) => ({
      queryKey: ['dashboard', 'group', group?.name, value, label?.name],
      enabled: Boolean(group && label),
      queryFn: async () => {
        const base: Filter = { kind: 'equals', attribute: group!.name, value };
        const [churned, retained] = await Promise.all([
          countCustomers([base, { kind: 'equals', attribute: label!.name, value: positiveLabelValue(label!) }]),
          countCustomers([base, { kind: 'equals', attribute: label!.name, value: negativeLabelValue(label!) }]),
        ]);
        return { value, churned, retained };
      },
    })),
  });
  const chartData = byValue
    .filter((q) => q.data)
    .map((q) => {
      const d = q.data!;
      const known = d.churned + d.retained;
      const name = group?.type === 'boolean' ? formatValue(d.value === 'true') : d.value;
      return { name, rate: known ? d.churned / known : 0, customers: known, churned: d.churned };
    });

  if (schema.isSuccess && schema.data === null) {
    return (
      <>
        <PageHeader title="Dashboard" />
        <Card>
          <CardHeader>
            <CardTitle>No customers yet</CardTitle>
            <CardDescription>Import a customer table to see churn figures here.</CardDescription>
          </CardHeader>
          <CardContent>
            <Button asChild>
              <Link to="/data">Go to Data</Link>
            </Button>
          </CardContent>
        </Card>
      </>
    );
  }

  const t = totals.data;
  const known = t && t.churned !== null && t.retained !== null ? t.churned + t.retained : 0;
  return (
    <>
      <PageHeader title="Dashboard" description="Churn across the customer base." />
      {(schema.error || totals.error) && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(schema.error ?? totals.error)}
        </p>
      )}
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Customers" value={t ? numberFormat.format(t.total) : '…'} />
        <Stat
          label="Churn rate"
          value={t && known ? percentFormat.format(t.churned! / known) : t && !label ? 'n/a' : '…'}
          hint={label ? `share with ${label.name} = 1 among labelled customers` : 'the schema has no label attribute'}
        />
        <Stat
          label="Churned"
          value={t && t.churned !== null ? numberFormat.format(t.churned) : t ? 'n/a' : '…'}
          hint={t && known ? `of ${numberFormat.format(known)} labelled` : undefined}
        />
      </div>

      <RiskOverview />

      {label && categorical.length > 0 && (
        <Card className="mt-6">
          <CardHeader className="flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <div>
              <CardTitle>Churn rate by {group?.name}</CardTitle>
              <CardDescription>Share of labelled customers with {label.name} = 1 in each group.</CardDescription>
            </div>
            <div className="flex items-center gap-2">
              <Label htmlFor="group-by" className="whitespace-nowrap text-muted-foreground">
                Group by
              </Label>
              <Select value={group?.name} onValueChange={setGroupBy}>
                <SelectTrigger id="group-by" className="w-48">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {categorical.map((a) => (
                    <SelectItem key={a.name} value={a.name}>
                      {a.name}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
          </CardHeader>
          <CardContent>
            <div className="h-72 w-full" role="img" aria-label={`Bar chart of churn rate by ${group?.name}`}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartData} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
                  <XAxis dataKey="name" tick={{ fill: 'var(--color-muted-foreground)', fontSize: 12 }} stroke="var(--color-border)" />
                  <YAxis
                    tickFormatter={(v: number) => percentFormat.format(v)}
                    tick={{ fill: 'var(--color-muted-foreground)', fontSize: 12 }}
                    stroke="var(--color-border)"
                    width={48}
                  />
                  <Tooltip
                    cursor={{ fill: 'var(--color-muted)' }}
                    contentStyle={{
                      background: 'var(--color-card)',
                      border: '1px solid var(--color-border)',
                      borderRadius: 8,
                      color: 'var(--color-foreground)',
                    }}
                    formatter={(v) => [percentFormat.format(Number(v)), 'Churn rate']}
                  />
                  <Bar dataKey="rate" fill="var(--color-chart-1)" radius={[4, 4, 0, 0]} maxBarSize={64} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <table className="sr-only">
              <caption>Churn rate by {group?.name}</caption>
              <thead>
                <tr>
                  <th>{group?.name}</th>
                  <th>Customers</th>
                  <th>Churn rate</th>
                </tr>
              </thead>
              <tbody>
                {chartData.map((d) => (
                  <tr key={d.name}>
                    <td>{d.name}</td>
                    <td>{d.customers}</td>
                    <td>{percentFormat.format(d.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="group-figures">
              {chartData.map((d) => (
                <div key={d.name} className="rounded-lg border px-3 py-2">
                  <dt className="truncate text-xs text-muted-foreground">{d.name}</dt>
                  <dd className="text-sm font-medium">
                    {percentFormat.format(d.rate)}{' '}
                    <span className="font-normal text-muted-foreground">
                      ({numberFormat.format(d.churned)} / {numberFormat.format(d.customers)})
                    </span>
                  </dd>
                </div>
              ))}
            </dl>
          </CardContent>
        </Card>
      )}
    </>
  );
}
