// Shared risk visuals: level badge, reason bars, level distribution and the
// daily trend. Charts carry a screen-reader table beside them.
import * as React from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { cn, numberFormat, percentFormat } from '@/lib/utils';
import { levelClasses, levelDistribution, levelLabel, reasonBars, formatPoints } from '@/lib/risk';
import type { Reason, RiskSummary } from '@/api/ml';

export const tooltipStyle: React.CSSProperties = {
  background: 'var(--color-card)',
  border: '1px solid var(--color-border)',
  borderRadius: 8,
  color: 'var(--color-foreground)',
  fontSize: 12,
};
export const axisTick = { fill: 'var(--color-muted-foreground)', fontSize: 12 };

export function RiskBadge({ level, probability, className }: { level?: string | null; probability?: number | null; className?: string }) {
  return (
    <span
      data-testid="risk-badge"
      data-level={level ?? ''}
      className={cn('inline-flex items-center gap-1.5 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium tabular-nums', levelClasses(level), className)}
    >
      {typeof probability === 'number' && <span>{percentFormat.format(probability)}</span>}
      <span className={typeof probability === 'number' ? 'opacity-80' : undefined}>{levelLabel(level)}</span>
    </span>
  );
}

export function ChangeText({ change, className }: { change?: number | null; className?: string }) {
  if (change === null || change === undefined) return <span className={cn('text-muted-foreground', className)}>—</span>;
  return (
    <span className={cn('tabular-nums', change > 0.0005 ? 'text-destructive' : change < -0.0005 ? 'text-success' : 'text-muted-foreground', className)}>
      {formatPoints(change)}
    </span>
  );
}

/** Reasons as horizontal bars: right (red) raises risk, left (green) lowers it. */
export function ReasonBars({ reasons, label = 'Reasons' }: { reasons: Reason[] | undefined; label?: string }) {
  const bars = reasonBars(reasons);
  if (bars.length === 0) return <p className="text-sm text-muted-foreground">No reasons recorded for this score.</p>;
  const max = Math.max(...bars.map((b) => Math.abs(b.contribution)), 0.001);
  return (
    <ul className="flex flex-col gap-2.5" aria-label={label} data-testid="reason-bars">
      {bars.map((b) => {
        const width = `${(Math.abs(b.contribution) / max) * 50}%`;
        const up = b.contribution > 0;
        return (
          <li key={b.attribute} className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 text-sm" data-testid="reason">
            <span className="truncate" title={b.text}>
              {b.text}
            </span>
            <span className={cn('text-xs font-medium tabular-nums', up ? 'text-destructive' : 'text-success')}>{formatPoints(b.contribution)}</span>
            <div className="relative col-span-2 h-2 rounded-full bg-muted" aria-hidden>
              <div className="absolute inset-y-0 left-1/2 w-px bg-border" />
              <div
                className={cn('absolute inset-y-0 rounded-full', up ? 'left-1/2 bg-destructive/80' : 'right-1/2 bg-success/80')}
                style={{ width }}
              />
            </div>
          </li>
        );
      })}
      <li className="mt-1 flex justify-between text-xs text-muted-foreground" aria-hidden>
        <span>← lowers risk</span>
        <span>raises risk →</span>
      </li>
    </ul>
  );
}

/** Customers per level as coloured bars. */
export function LevelDistribution({
  byLevel,
  levels,
  height = 220,
}: {
  byLevel: RiskSummary['by_level'];
  levels?: RiskSummary['levels'];
  height?: number;
}) {
  const data = levelDistribution(byLevel, (levels ?? []).map((l) => l.name ?? '').filter(Boolean));
  const total = data.reduce((s, d) => s + d.customers, 0);
  if (total === 0) return <p className="text-sm text-muted-foreground">No customers scored yet.</p>;
  return (
    <>
      <div style={{ height }} className="w-full" role="img" aria-label="Customers by risk level">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
            <XAxis dataKey="label" tick={axisTick} stroke="var(--color-border)" interval={0} />
            <YAxis tick={axisTick} stroke="var(--color-border)" width={40} allowDecimals={false} />
            <Tooltip
              cursor={{ fill: 'var(--color-muted)' }}
              contentStyle={tooltipStyle}
              formatter={(v, _n, p) => [`${numberFormat.format(Number(v))} (${percentFormat.format(p.payload.share)})`, 'Customers']}
            />
            <Bar dataKey="customers" radius={[4, 4, 0, 0]} maxBarSize={56} isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.level} fill={d.color} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <dl className="mt-3 grid grid-cols-[repeat(auto-fill,minmax(6.5rem,1fr))] gap-2" data-testid="level-counts">
        {data.map((d) => (
          <div key={d.level} className="rounded-lg border px-3 py-2">
            <dt className="flex items-center gap-1.5 truncate text-xs text-muted-foreground">
              <span className="size-2 rounded-full" style={{ background: d.color }} aria-hidden />
              {d.label}
            </dt>
            <dd className="text-sm font-medium tabular-nums">
              {numberFormat.format(d.customers)} <span className="font-normal text-muted-foreground">({percentFormat.format(d.share)})</span>
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** Average probability per day. */
export function DailyTrend({ daily, threshold, height = 220 }: { daily: RiskSummary['daily']; threshold?: number; height?: number }) {
  const data = (daily ?? []).filter((d) => d.date && typeof d.average_probability === 'number');
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No scores in this period.</p>;
  return (
    <div style={{ height }} className="w-full" role="img" aria-label="Average churn probability per day">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
          <XAxis dataKey="date" tick={axisTick} stroke="var(--color-border)" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
          <YAxis tick={axisTick} stroke="var(--color-border)" width={48} domain={[0, 'auto']} tickFormatter={(v: number) => percentFormat.format(v)} />
          {threshold !== undefined && (
            <ReferenceLine y={threshold} stroke="var(--color-destructive)" strokeDasharray="4 4" label={{ value: 'high risk', fill: 'var(--color-muted-foreground)', fontSize: 11, position: 'insideTopRight' }} />
          )}
          <Tooltip
            contentStyle={tooltipStyle}
            formatter={(v, name) => (name === 'scores' ? [numberFormat.format(Number(v)), 'Scores'] : [percentFormat.format(Number(v)), 'Average probability'])}
          />
          <Line type="monotone" dataKey="average_probability" stroke="var(--color-chart-1)" strokeWidth={2} dot={data.length < 12} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function EmptyState({ icon: Icon, title, children }: { icon?: React.ComponentType<{ className?: string }>; title: string; children?: React.ReactNode }) {
  return (
    <div className="flex flex-col items-center justify-center gap-2 rounded-xl border border-dashed px-6 py-10 text-center" data-testid="empty-state">
      {Icon && <Icon className="size-8 text-muted-foreground" />}
      <p className="font-medium">{title}</p>
      {children && <div className="max-w-md text-sm text-muted-foreground">{children}</div>}
    </div>
  );
}
