// What-if predictor: edit a customer's features (from a stored customer or
// typical values) and watch the production model's answer follow.
// Nothing is stored: predict runs in its what-if form.
import * as React from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { FlaskConical, Loader2, RotateCcw, UserSearch } from 'lucide-react';
import { api, type Customer, type CustomerPage } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { isNoModel, useProductionModel, type Prediction } from '@/api/ml';
import { PageHeader } from '@/components/layout';
import { ChangeText, EmptyState, ReasonBars, RiskBadge } from '@/components/risk';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { featureAttributes, levelColor, toPredictAttributes, typicalValues, valuesFromCustomer, type WhatIfValues } from '@/lib/risk';
import { formatValue } from '@/lib/schema';
import { cn, percentFormat } from '@/lib/utils';
import type { Attribute } from '@/api/client';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = React.useState(value);
  React.useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function Field({ attribute, value, error, onChange }: { attribute: Attribute; value: string; error?: string; onChange: (v: string) => void }) {
  const id = `whatif-${attribute.name}`;
  let control: React.ReactNode;
  if (attribute.type === 'category' || attribute.type === 'boolean') {
    const options = attribute.type === 'boolean' ? ['true', 'false'] : (attribute.categories ?? []);
    control = (
      <Select value={value} onValueChange={onChange}>
        <SelectTrigger id={id} aria-label={attribute.name}>
          <SelectValue placeholder="—" />
        </SelectTrigger>
        <SelectContent>
          {options.map((o) => (
            <SelectItem key={o} value={o}>
              {attribute.type === 'boolean' ? formatValue(o === 'true') : o}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    );
  } else {
    control = (
      <Input
        id={id}
        aria-invalid={Boolean(error)}
        inputMode={attribute.type === 'number' || attribute.type === 'integer' ? 'decimal' : undefined}
        type={attribute.type === 'date' ? 'date' : 'text'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={cn('tabular-nums', error && 'border-destructive')}
      />
    );
  }
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id} className="text-xs text-muted-foreground">
        {attribute.name}
      </Label>
      {control}
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}

export function WhatIfPage() {
  const schema = useSchema();
  const production = useProductionModel();
  const [params, setParams] = useSearchParams();
  const [customerId, setCustomerId] = React.useState(params.get('customer') ?? '');
  const [values, setValues] = React.useState<WhatIfValues | null>(null);
  const [base, setBase] = React.useState<{ source: string; values: WhatIfValues } | null>(null);
  const [loadError, setLoadError] = React.useState<string | null>(null);

  const sample = useQuery({
    queryKey: ['customers', 'sample', 500],
    queryFn: () => api<CustomerPage>('/api/v1/customers?limit=500'),
    enabled: Boolean(schema.data),
    staleTime: 5 * 60_000,
  });

  const loadTypical = React.useCallback(() => {
    if (!schema.data || !sample.data) return;
    const v = typicalValues(schema.data, sample.data.items);
    setValues(v);
    setBase({ source: 'typical values', values: v });
    setLoadError(null);
  }, [schema.data, sample.data]);

  const loadCustomer = React.useCallback(
    async (id: string) => {
      if (!schema.data || !id.trim()) return;
      try {
        const c = await api<Customer>(`/api/v1/customers/${encodeURIComponent(id.trim())}`);
        const v = valuesFromCustomer(schema.data, c);
        setValues(v);
        setBase({ source: `customer ${c.id}`, values: v });
        setLoadError(null);
        setParams({ customer: c.id }, { replace: true });
      } catch (e) {
        setLoadError(errorMessage(e));
      }
    },
    [schema.data, setParams],
  );

  // First fill: the customer in the address, else typical values.
  const started = React.useRef(false);
  React.useEffect(() => {
    if (started.current || !schema.data) return;
    const id = params.get('customer');
    if (id) {
      started.current = true;
      void loadCustomer(id);
    } else if (sample.data) {
      started.current = true;
      loadTypical();
    }
  }, [schema.data, sample.data, params, loadCustomer, loadTypical]);

  const converted = schema.data && values ? toPredictAttributes(schema.data, values) : null;
  const debounced = useDebounced(converted, 350);
  const hasErrors = debounced ? Object.keys(debounced.errors).length > 0 : true;
  const prediction = useQuery({
    queryKey: ['whatif', debounced?.attributes],
    queryFn: () => api<Prediction>('/api/v1/predict', { method: 'POST', json: { attributes: debounced!.attributes } }),
    enabled: Boolean(debounced) && !hasErrors && Boolean(production.data),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });

  // The starting values' score (usually already cached from the first call).
  const baseAttributes = schema.data && base ? toPredictAttributes(schema.data, base.values) : null;
  const baseline = useQuery({
    queryKey: ['whatif', baseAttributes?.attributes],
    queryFn: () => api<Prediction>('/api/v1/predict', { method: 'POST', json: { attributes: baseAttributes!.attributes } }),
    enabled: Boolean(baseAttributes) && Object.keys(baseAttributes?.errors ?? {}).length === 0 && Boolean(production.data),
    staleTime: Infinity,
    retry: false,
  });

  if (schema.isSuccess && !schema.data) {
    return (
      <>
        <PageHeader title="What-if predictor" />
        <EmptyState icon={FlaskConical} title="No customers yet">
          Import a customer table on the <Link className="text-primary underline" to="/data">Data page</Link>, then train a model.
        </EmptyState>
      </>
    );
  }
  if (production.isSuccess && production.data === null) {
    return (
      <>
        <PageHeader title="What-if predictor" />
        <EmptyState icon={FlaskConical} title="No model yet">
          Predictions come from the production model — <Link className="text-primary underline" to="/models">train one on the Models page</Link>.
        </EmptyState>
      </>
    );
  }

  const features = featureAttributes(schema.data);
  const p = prediction.data;
  const changed = base && values ? features.filter((a) => (base.values[a.name] ?? '') !== (values[a.name] ?? '')).map((a) => a.name) : [];

  return (
    <>
      <PageHeader
        title="What-if predictor"
        description={`Change any value to see how model v${production.data?.version ?? '…'} would score this customer. Nothing is saved.`}
      />
      <div className="grid gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Card>
          <CardHeader className="gap-3">
            <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
              <form
                className="flex flex-1 items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  void loadCustomer(customerId);
                }}
              >
                <div className="grid flex-1 gap-1.5">
                  <Label htmlFor="whatif-customer">Start from a customer</Label>
                  <Input id="whatif-customer" placeholder="customer id" value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
                </div>
                <Button type="submit" variant="outline" disabled={!customerId.trim()}>
                  <UserSearch /> Load
                </Button>
              </form>
              <Button variant="ghost" onClick={loadTypical} disabled={!sample.data}>
                <RotateCcw /> Typical values
              </Button>
            </div>
            {loadError && (
              <p role="alert" className="text-sm text-destructive">
                {loadError}
              </p>
            )}
            <CardDescription data-testid="whatif-source">
              {base ? `Starting from ${base.source}` : 'Loading…'}
              {changed.length > 0 && ` · changed: ${changed.join(', ')}`}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {values && (
              <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
                {features.map((a) => (
                  <Field
                    key={a.name}
                    attribute={a}
                    value={values[a.name] ?? ''}
                    error={converted?.errors[a.name]}
                    onChange={(v) => setValues((prev) => ({ ...(prev ?? {}), [a.name]: v }))}
                  />
                ))}
              </div>
            )}
          </CardContent>
        </Card>

        <div className="flex flex-col gap-4 lg:sticky lg:top-20 lg:self-start">
          <Card aria-live="polite">
            <CardHeader className="pb-2">
              <CardDescription className="flex items-center gap-2">
                Churn probability {prediction.isFetching && <Loader2 className="size-3.5 animate-spin" aria-label="Updating" />}
              </CardDescription>
            </CardHeader>
            <CardContent>
              {p ? (
                <>
                  <div className="flex items-center gap-3">
                    <span className="text-4xl font-semibold tracking-tight tabular-nums" data-testid="whatif-probability">
                      {percentFormat.format(p.probability)}
                    </span>
                    <RiskBadge level={p.risk_level} />
                  </div>
                  {baseline.data && changed.length > 0 && (
                    <p className="mt-2 text-sm text-muted-foreground" data-testid="whatif-delta">
                      <ChangeText change={p.probability - baseline.data.probability} /> against {percentFormat.format(baseline.data.probability)} for{' '}
                      {base?.source}
                    </p>
                  )}
                  <div className="mt-3 h-2 w-full overflow-hidden rounded-full bg-muted" aria-hidden>
                    <div className="h-full rounded-full transition-all" style={{ width: `${p.probability * 100}%`, background: levelColor(p.risk_level) }} />
                  </div>
                </>
              ) : prediction.error ? null : (
                <p className="text-sm text-muted-foreground">{hasErrors && values ? 'Fix the highlighted values.' : 'Scoring…'}</p>
              )}
              {prediction.error && (
                <p role="alert" className="text-sm text-destructive">
                  {isNoModel(prediction.error) ? 'No production model — train one on the Models page.' : errorMessage(prediction.error)}
                </p>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Why</CardTitle>
              <CardDescription>Each value's effect on the probability, in percentage points.</CardDescription>
            </CardHeader>
            <CardContent>{p ? <ReasonBars reasons={p.reasons} label="What-if reasons" /> : <p className="text-sm text-muted-foreground">—</p>}</CardContent>
          </Card>
        </div>
      </div>
    </>
  );
}
