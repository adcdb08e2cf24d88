// The risk cards of the customer page: current score with "Score now",
// probability history and the latest score's reasons. A departed customer is
// never rescored: the first card is the prediction of record (the last score
// before departure) and says why there is no "Score now".
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { FlaskConical, Gauge, Loader2 } from 'lucide-react';
import { api, type Customer } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import { isNoModel, useProductionModel, useRiskHistory, useRiskSummary, type Prediction } from '@/api/ml';
import { useCan } from '@/auth/auth';
import { axisTick, ChangeText, ReasonBars, RiskBadge, tooltipStyle } from '@/components/risk';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { useToast } from '@/components/ui/toast';
import { isDeparted, rescoreBlockedReason } from '@/lib/lifecycle';
import { historySeries, levelLabel } from '@/lib/risk';
import { percentFormat } from '@/lib/utils';

const dateTime = (t: number) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function CustomerRisk({ customer }: { customer: Customer }) {
  const canScore = useCan('analyst');
  const history = useRiskHistory(customer.id);
  const production = useProductionModel();
  const threshold = useRiskSummary().data?.high_risk_threshold;
  const queryClient = useQueryClient();
  const toast = useToast();
  const score = useMutation({
    mutationFn: () => api<Prediction>('/api/v1/predict', { method: 'POST', json: { customer_id: customer.id } }),
    onSuccess: (p) => {
      toast(`Scored: ${percentFormat.format(p.probability)} (${levelLabel(p.risk_level)})`);
      queryClient.invalidateQueries({ queryKey: ['risk'] });
      queryClient.invalidateQueries({ queryKey: ['customer', customer.id] });
      queryClient.invalidateQueries({ queryKey: ['customers'] });
    },
    onError: (e) => toast(isNoModel(e) ? 'No production model — train one on the Models page.' : errorMessage(e), 'error'),
  });

  const items = history.data ?? [];
  const latest = items[0];
  const series = historySeries(items);
  const noModel = production.isSuccess && production.data === null;
  const risk = customer.risk;
  const departed = isDeparted(customer);
  const blocked = rescoreBlockedReason(customer);

  return (
    <div className="mb-4 grid gap-4 lg:grid-cols-3" data-testid="customer-risk">
      <Card>
        <CardHeader className="flex-row items-start justify-between gap-2">
          <div>
            <CardTitle>{departed ? 'Prediction of record' : 'Churn risk'}</CardTitle>
            <CardDescription>
              {departed
                ? risk?.scored_at
                  ? `Last score before departure, ${new Date(risk.scored_at).toLocaleString()}`
                  : 'Never scored while active'
                : risk?.scored_at
                  ? `Scored ${new Date(risk.scored_at).toLocaleString()}`
                  : 'Never scored'}
            </CardDescription>
          </div>
          {canScore && !noModel && !departed && (
            <Button size="sm" onClick={() => score.mutate()} disabled={score.isPending || !production.data}>
              {score.isPending ? <Loader2 className="animate-spin" /> : <Gauge />} Score now
            </Button>
          )}
        </CardHeader>
        <CardContent>
          {risk ? (
            <>
              <p className="flex items-center gap-3">
                <span className="text-4xl font-semibold tracking-tight tabular-nums" data-testid="customer-probability">
                  {percentFormat.format(risk.probability ?? 0)}
                </span>
                <RiskBadge level={risk.risk_level} />
              </p>
              <p className="mt-2 text-sm text-muted-foreground">
                Since previous score: <ChangeText change={risk.change} /> · model v{risk.model_version}
              </p>
            </>
          ) : departed ? (
            <p className="text-sm text-muted-foreground">This customer left before being scored.</p>
          ) : noModel ? (
            <p className="text-sm text-muted-foreground">
              No model yet — <Link className="text-primary underline" to="/models">train one on the Models page</Link>.
            </p>
          ) : (
            <p className="text-sm text-muted-foreground">{canScore ? 'Score now to see this customer’s churn probability.' : 'Not scored yet.'}</p>
          )}
          {blocked && (
            <p className="mt-2 text-sm text-muted-foreground" data-testid="rescore-blocked">
              {blocked}
            </p>
          )}
          <Button variant="link" size="sm" asChild className="mt-2 h-auto px-0">
            <Link to={`/what-if?customer=${encodeURIComponent(customer.id)}`}>
              <FlaskConical /> Try changes in the what-if predictor
            </Link>
          </Button>
        </CardContent>
      </Card>

      <Card className="lg:col-span-2">
        <CardHeader>
          <CardTitle>Risk history</CardTitle>
          <CardDescription>Churn probability at each scoring.</CardDescription>
        </CardHeader>
        <CardContent>
          {series.length === 0 ? (
            <p className="text-sm text-muted-foreground">{history.isLoading ? 'Loading…' : 'No scores yet.'}</p>
          ) : (
            <div className="h-52 w-full" role="img" aria-label="Churn probability over time" data-testid="risk-history-chart" data-points={series.length}>
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={series} margin={{ top: 8, right: 12, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
                  <XAxis
                    dataKey="time"
                    type="number"
                    scale="time"
                    domain={series.length > 1 ? ['dataMin', 'dataMax'] : ['dataMin - 3600000', 'dataMax + 3600000']}
                    tick={axisTick}
                    stroke="var(--color-border)"
                    tickFormatter={(t: number) => new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}
                    minTickGap={24}
                  />
                  <YAxis domain={[0, 1]} tick={axisTick} stroke="var(--color-border)" width={44} tickFormatter={(v: number) => percentFormat.format(v)} />
                  {threshold !== undefined && <ReferenceLine y={threshold} stroke="var(--color-destructive)" strokeDasharray="4 4" strokeOpacity={0.6} />}
                  <Tooltip
                    contentStyle={tooltipStyle}
                    labelFormatter={(t) => dateTime(Number(t))}
                    formatter={(v, _n, p) => [`${percentFormat.format(Number(v))} · ${levelLabel(p.payload.level)} · v${p.payload.model ?? '?'}`, 'Probability']}
                  />
                  <Line type="monotone" dataKey="probability" stroke="var(--color-chart-1)" strokeWidth={2} dot isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          )}
        </CardContent>
      </Card>

      <Card className="lg:col-span-3">
        <CardHeader>
          <CardTitle>Top reasons</CardTitle>
          <CardDescription>
            What moved the latest score, in percentage points: red bars raise the risk, green bars lower it.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {latest ? <ReasonBars reasons={latest.reasons} label="Top reasons" /> : <p className="text-sm text-muted-foreground">No score yet.</p>}
          {history.error && !isNoModel(history.error) && <p className="text-sm text-destructive">{errorMessage(history.error)}</p>}
        </CardContent>
      </Card>
    </div>
  );
}
