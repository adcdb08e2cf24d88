// Alerts: the rules that watch risk and the model (analysts edit, test and
// run monitoring; viewers read), delivery counts, and the event log — every
// alert with its Discord delivery state. Refreshes while deliveries are
// pending and while a monitor job runs.
import * as React from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { BellRing, ChevronLeft, ChevronRight, Pencil, Plus, Send, Trash2 } from 'lucide-react';
import { api, ApiError } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import { useCan } from '@/auth/auth';
import { MonitoringRun } from '@/components/monitoring_run';
import { PageHeader } from '@/components/layout';
import { EmptyState } from '@/components/risk';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Switch } from '@/components/ui/switch';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import {
  describeRule,
  emptyRuleForm,
  eventsQuery,
  formToInput,
  kindLabel,
  kJobKinds,
  kRuleKinds,
  kSeverities,
  ruleToForm,
  type AlertEvent,
  type AlertRule,
  type AlertStats,
  type FormErrors,
  type RuleForm,
} from '@/lib/alerts';
import { cn, numberFormat, percentFormat } from '@/lib/utils';

const kPageSize = 50;
const when = (s?: string | null) => (s ? new Date(s).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—');

const stateClasses: Record<AlertEvent['state'], string> = {
  pending: 'bg-muted text-muted-foreground border-transparent',
  sending: 'bg-accent text-accent-foreground border-transparent',
  delivered: 'bg-success/15 text-success border-transparent',
  failed: 'bg-destructive/15 text-destructive border-transparent',
};
const severityClasses: Record<AlertEvent['severity'], string> = {
  info: 'text-muted-foreground',
  warning: 'bg-amber-500/15 text-amber-700 dark:text-amber-400 border-transparent',
  critical: 'bg-destructive/15 text-destructive border-transparent',
};

function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint && !error && <p className="text-xs text-muted-foreground">{hint}</p>}
      {error && (
        <p className="text-xs text-destructive" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function RuleDialog({ rule, open, onOpenChange }: { rule: AlertRule | null; open: boolean; onOpenChange: (o: boolean) => void }) {
  const editing = rule !== null;
  const [form, setForm] = React.useState<RuleForm>(emptyRuleForm);
  const [local, setLocal] = React.useState<FormErrors>({});
  const queryClient = useQueryClient();
  const toast = useToast();
  const save = useMutation({
    mutationFn: (body: object) =>
      editing
        ? api<AlertRule>(`/api/v1/alerts/rules/${rule.id}`, { method: 'PATCH', json: body })
        : api<AlertRule>('/api/v1/alerts/rules', { method: 'POST', json: body }),
    onSuccess: (r) => {
      toast(editing ? `Saved ${r.name}` : `Created ${r.name}`);
      queryClient.invalidateQueries({ queryKey: ['alerts'] });
      onOpenChange(false);
    },
  });
  React.useEffect(() => {
    if (open) {
      setForm(rule ? ruleToForm(rule) : emptyRuleForm());
      setLocal({});
      save.reset();
    }
  }, [open, rule]);

  const server = save.error instanceof ApiError ? save.error.byField() : {};
  const errors: FormErrors = { ...server, ...local };
  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key: keyof RuleForm, field: string) => ({
    value: form[key] as string,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? `rule-${field}-error` : undefined,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, e.target.value as never),
  });
  const kindHelp = kRuleKinds.find((k) => k.kind === form.kind)?.help;

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>{editing ? `Edit ${rule.name}` : 'New alert rule'}</DialogTitle>
          <DialogDescription>Alerts go to a Discord channel through its webhook.</DialogDescription>
        </DialogHeader>
        <form
          id="rule-form"
          className="flex flex-col gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const { body, errors: found } = formToInput(form, editing);
            setLocal(found);
            if (Object.keys(found).length === 0) save.mutate(body);
          }}
        >
          {save.error && (
            <p role="alert" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
              {errorMessage(save.error)}
            </p>
          )}
          <Field id="rule-name" label="Name" error={errors.name}>
            <Input id="rule-name" autoComplete="off" {...text('name', 'name')} />
          </Field>
          <Field id="rule-kind" label="Kind" hint={kindHelp}>
            <Select value={form.kind} onValueChange={(k) => set('kind', k as RuleForm['kind'])}>
              <SelectTrigger id="rule-kind">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {kRuleKinds.map((k) => (
                  <SelectItem key={k.kind} value={k.kind}>
                    {k.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          {form.kind === 'high_risk' && (
            <Field id="rule-threshold" label="Probability threshold (0–1)" error={errors.threshold}>
              <Input id="rule-threshold" inputMode="decimal" {...text('threshold', 'threshold')} />
            </Field>
          )}
          {form.kind === 'risk_increase' && (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field id="rule-points" label="Rise of at least (points)" error={errors.min_points} hint="10 points = +0.10">
                <Input id="rule-points" inputMode="decimal" {...text('minPoints', 'min_points')} />
              </Field>
              <Field id="rule-relative" label="or at least (%)" error={errors.min_relative_percent}>
                <Input id="rule-relative" inputMode="decimal" {...text('minRelativePercent', 'min_relative_percent')} />
              </Field>
            </div>
          )}
          {form.kind === 'level_up' && (
            <Field id="rule-level" label="New level at least" error={errors.min_level}>
              <Input id="rule-level" {...text('minLevel', 'min_level')} />
            </Field>
          )}
          {form.kind === 'model_degradation' && (
            <Field id="rule-drop" label="ROC-AUC drop of more than (points)" error={errors.max_drop_points} hint="5 points = 0.05">
              <Input id="rule-drop" inputMode="decimal" {...text('maxDropPoints', 'max_drop_points')} />
            </Field>
          )}
          {form.kind === 'data_drift' && (
            <Field id="rule-psi" label="PSI above" error={errors.psi_threshold} hint="0.1 small, 0.2 notable, 0.25+ large">
              <Input id="rule-psi" inputMode="decimal" {...text('psiThreshold', 'psi_threshold')} />
            </Field>
          )}
          {form.kind === 'job_failures' && (
            <fieldset className="flex flex-col gap-2">
              <legend className="mb-1 text-sm font-medium">Job kinds (none ticked: all)</legend>
              <div className="flex flex-wrap gap-4">
                {kJobKinds.map((k) => (
                  <label key={k} className="flex items-center gap-2 text-sm">
                    <Checkbox
                      checked={form.jobKinds.includes(k)}
                      onCheckedChange={(c) => set('jobKinds', c ? [...form.jobKinds, k] : form.jobKinds.filter((x) => x !== k))}
                    />
                    {k}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <Field
            id="rule-webhook"
            label="Discord webhook URL"
            error={errors.webhook_url}
            hint={editing ? `Now ${rule.webhook_url}. Leave empty to keep it.` : 'Channel settings → Integrations → Webhooks → Copy Webhook URL'}
          >
            <Input id="rule-webhook" type="url" autoComplete="off" placeholder="https://discord.com/api/webhooks/…" {...text('webhookUrl', 'webhook_url')} />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="rule-severity" label="Minimum severity">
              <Select value={form.minSeverity} onValueChange={(s) => set('minSeverity', s as RuleForm['minSeverity'])}>
                <SelectTrigger id="rule-severity">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {kSeverities.map((s) => (
                    <SelectItem key={s} value={s}>
                      {s}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
            <Field id="rule-cooldown" label="Cooldown per customer (hours)" error={errors.cooldown_seconds}>
              <Input id="rule-cooldown" inputMode="decimal" {...text('cooldownHours', 'cooldown_seconds')} />
            </Field>
          </div>
          <Field id="rule-filter" label="Only customers matching (optional)" error={errors.customer_filter} hint="One per line, as the customer list filters: Geography=France, Age[gte]=40">
            <textarea
              id="rule-filter"
              rows={3}
              className="rounded-md border border-input bg-transparent px-3 py-2 font-mono text-sm shadow-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
              {...text('filter', 'customer_filter')}
            />
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <Switch checked={form.enabled} onCheckedChange={(c) => set('enabled', c)} aria-label="Enabled" />
            Enabled
          </label>
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" form="rule-form" disabled={save.isPending}>
            {editing ? 'Save rule' : 'Create rule'}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function StatsCards({ stats }: { stats: AlertStats | undefined }) {
  const by = stats?.by_state ?? {};
  const items: { label: string; value: string; tone?: string }[] = [
    { label: 'Alerts', value: numberFormat.format(stats?.total ?? 0) },
    { label: 'Delivered', value: numberFormat.format(by.delivered ?? 0), tone: 'text-success' },
    { label: 'Waiting', value: numberFormat.format((by.pending ?? 0) + (by.sending ?? 0)) },
    { label: 'Failed', value: numberFormat.format(by.failed ?? 0), tone: (by.failed ?? 0) > 0 ? 'text-destructive' : undefined },
  ];
  return (
    <div className="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="alert-stats">
      {items.map((i) => (
        <Card key={i.label} className="p-4">
          <dl>
            <dt className="text-sm text-muted-foreground">{i.label}</dt>
            <dd className={cn('text-2xl font-semibold tabular-nums', i.tone)}>{i.value}</dd>
          </dl>
        </Card>
      ))}
      {(stats?.last_delivered_at || stats?.last_failure) && (
        <p className="text-xs text-muted-foreground sm:col-span-2 lg:col-span-4">
          {stats?.last_delivered_at && <>Last delivered {when(stats.last_delivered_at)}. </>}
          {stats?.last_failure && <span className="text-destructive">Last failure: {stats.last_failure}</span>}
        </p>
      )}
    </div>
  );
}

function RulesTable({ rules, canEdit, onEdit }: { rules: AlertRule[]; canEdit: boolean; onEdit: (r: AlertRule) => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['alerts'] });
  const toggle = useMutation({
    mutationFn: (r: AlertRule) => api<AlertRule>(`/api/v1/alerts/rules/${r.id}`, { method: 'PATCH', json: { enabled: !r.enabled } }),
    onSuccess: invalidate,
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const test = useMutation({
    mutationFn: (r: AlertRule) => api<{ delivered: boolean; reason?: string | null; http_status?: number | null }>(`/api/v1/alerts/rules/${r.id}/test`, { method: 'POST' }),
    onSuccess: (res, r) => {
      toast(res.delivered ? `Test message sent for ${r.name}` : `Discord refused the test message${res.http_status ? ` (${res.http_status})` : ''}: ${res.reason ?? 'no reason given'}`, res.delivered ? undefined : 'error');
      invalidate();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const remove = useMutation({
    mutationFn: (r: AlertRule) => api<void>(`/api/v1/alerts/rules/${r.id}`, { method: 'DELETE' }),
    onSuccess: (_, r) => {
      toast(`Deleted ${r.name}`);
      invalidate();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });

  return (
    <Card className="mb-6 overflow-hidden">
      <Table aria-label="Alert rules">
        <THead>
          <TR className="hover:bg-transparent">
            <TH>Rule</TH>
            <TH>Watches for</TH>
            <TH>Webhook</TH>
            <TH>Cooldown</TH>
            <TH>Enabled</TH>
            {canEdit && (
              <TH>
                <span className="sr-only">Actions</span>
              </TH>
            )}
          </TR>
        </THead>
        <TBody>
          {rules.map((r) => (
            <TR key={r.id} data-testid="rule-row">
              <TD>
                <div className="font-medium">{r.name}</div>
                <div className="text-xs text-muted-foreground">
                  {kindLabel(r.kind)} · {r.min_severity}+{Object.keys(r.customer_filter ?? {}).length > 0 && ` · ${Object.entries(r.customer_filter).map(([k, v]) => `${k}=${v}`).join(', ')}`}
                </div>
              </TD>
              <TD>{describeRule(r)}</TD>
              <TD className="max-w-56 truncate font-mono text-xs text-muted-foreground" title={r.webhook_url}>
                {r.webhook_url}
              </TD>
              <TD className="whitespace-nowrap tabular-nums text-muted-foreground">{r.cooldown_seconds ? `${Math.round((r.cooldown_seconds / 3600) * 10) / 10} h` : 'none'}</TD>
              <TD>
                {canEdit ? (
                  <Switch checked={r.enabled} onCheckedChange={() => toggle.mutate(r)} aria-label={`${r.name} enabled`} />
                ) : (
                  <Badge variant="outline">{r.enabled ? 'on' : 'off'}</Badge>
                )}
              </TD>
              {canEdit && (
                <TD className="whitespace-nowrap text-right">
                  <Button variant="ghost" size="sm" onClick={() => test.mutate(r)} disabled={test.isPending} aria-label={`Send a test message for ${r.name}`}>
                    <Send /> <span className="hidden md:inline">Test</span>
                  </Button>
                  <Button variant="ghost" size="sm" onClick={() => onEdit(r)} aria-label={`Edit ${r.name}`}>
                    <Pencil />
                  </Button>
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={`Delete ${r.name}`}
                    onClick={() => {
                      if (window.confirm(`Delete the rule “${r.name}” and its alert history?`)) remove.mutate(r);
                    }}
                  >
                    <Trash2 />
                  </Button>
                </TD>
              )}
            </TR>
          ))}
        </TBody>
      </Table>
    </Card>
  );
}

function EventLog({ rules }: { rules: AlertRule[] }) {
  const [filter, setFilter] = React.useState({ state: 'all', ruleId: 'all', customer: '' });
  const [offset, setOffset] = React.useState(0);
  const events = useQuery({
    queryKey: ['alerts', 'events', filter, offset],
    queryFn: () => api<{ items: AlertEvent[]; total: number }>(`/api/v1/alerts/events?${eventsQuery(filter, offset, kPageSize)}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((e) => e.state === 'pending' || e.state === 'sending') ? 3000 : false),
  });
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const items = events.data?.items ?? [];
  const total = events.data?.total ?? 0;
  const change = (patch: Partial<typeof filter>) => {
    setOffset(0);
    setFilter({ ...filter, ...patch });
  };

  return (
    <section aria-labelledby="events-heading">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <h2 id="events-heading" className="mr-auto text-lg font-semibold">
          Event log
        </h2>
        <div className="grid gap-1">
          <Label htmlFor="event-state">Delivery</Label>
          <Select value={filter.state} onValueChange={(state) => change({ state })}>
            <SelectTrigger id="event-state" className="w-36">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="all">All</SelectItem>
              {(['pending', 'sending', 'delivered', 'failed'] as const).map((s) => (
                <SelectItem key={s} value={s} className="capitalize">
                  {s}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="event-rule">Rule</Label>
          <Select value={filter.ruleId} onValueChange={(ruleId) => change({ ruleId })}>
            <SelectTrigger id="event-rule" className="w-44">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="all">All rules</SelectItem>
              {rules.map((r) => (
                <SelectItem key={r.id} value={String(r.id)}>
                  {r.name}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="event-customer">Customer</Label>
          <Input id="event-customer" className="w-40" placeholder="customer id" value={filter.customer} onChange={(e) => change({ customer: e.target.value })} />
        </div>
      </div>
      {events.error && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(events.error)}
        </p>
      )}
      {events.isSuccess && items.length === 0 && (
        <EmptyState icon={BellRing} title="No alerts yet">
          Alerts appear here when monitoring finds customers that match a rule, or when you send a test message.
        </EmptyState>
      )}
      {items.length > 0 && (
        <Card className="overflow-hidden">
          <Table aria-label="Alert events" aria-busy={events.isFetching}>
            <THead>
              <TR className="hover:bg-transparent">
                <TH>When</TH>
                <TH>Rule</TH>
                <TH>Customer</TH>
                <TH>Severity</TH>
                <TH>Delivery</TH>
                <TH>Attempts</TH>
              </TR>
            </THead>
            <TBody>
              {items.map((e) => {
                const p = (e.payload ?? {}) as { probability?: number; display_name?: string; title?: string };
                return (
                  <TR key={e.id} data-testid="event-row">
                    <TD className="whitespace-nowrap text-muted-foreground">
                      <time dateTime={e.created_at}>{when(e.created_at)}</time>
                    </TD>
                    <TD>
                      <div>{names.get(e.rule_id) ?? `rule ${e.rule_id}`}</div>
                      <div className="text-xs text-muted-foreground">{e.kind}</div>
                    </TD>
                    <TD>
                      {e.customer_id ? (
                        <Link className="underline-offset-4 hover:underline" to={`/customers/${encodeURIComponent(e.customer_id)}`}>
                          {p.display_name || e.customer_id}
                        </Link>
                      ) : (
                        <span className="text-muted-foreground">{p.title ?? '—'}</span>
                      )}
                      {typeof p.probability === 'number' && <span className="ml-2 text-xs tabular-nums text-muted-foreground">{percentFormat.format(p.probability)}</span>}
                    </TD>
                    <TD>
                      <Badge variant="outline" className={cn('capitalize', severityClasses[e.severity])}>
                        {e.severity}
                      </Badge>
                    </TD>
                    <TD>
                      <Badge variant="outline" className={cn('capitalize', stateClasses[e.state])} data-testid="event-state">
                        {e.state}
                      </Badge>
                      {e.state === 'delivered' && e.delivered_at && <div className="mt-1 text-xs text-muted-foreground">{when(e.delivered_at)}</div>}
                      {e.error && (
                        <div className="mt-1 max-w-64 truncate text-xs text-destructive" title={e.error}>
                          {e.error}
                        </div>
                      )}
                    </TD>
                    <TD className="tabular-nums text-muted-foreground">{e.attempts}</TD>
                  </TR>
                );
              })}
            </TBody>
          </Table>
          <div className="flex items-center justify-end gap-2 border-t p-3 text-sm text-muted-foreground">
            <span className="tabular-nums">
              {offset + 1}–{offset + items.length} of {total}
            </span>
            <Button variant="outline" size="icon" aria-label="Newer events" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - kPageSize))}>
              <ChevronLeft />
            </Button>
            <Button variant="outline" size="icon" aria-label="Older events" disabled={offset + items.length >= total} onClick={() => setOffset(offset + kPageSize)}>
              <ChevronRight />
            </Button>
          </div>
        </Card>
      )}
    </section>
  );
}

export function AlertsPage() {
  const canEdit = useCan('analyst');
  const [editing, setEditing] = React.useState<AlertRule | null>(null);
  const [dialogOpen, setDialogOpen] = React.useState(false);
  const rules = useQuery({ queryKey: ['alerts', 'rules'], queryFn: () => api<{ items: AlertRule[]; total: number }>('/api/v1/alerts/rules') });
  const stats = useQuery({ queryKey: ['alerts', 'stats'], queryFn: () => api<AlertStats>('/api/v1/alerts/stats'), refetchInterval: 10000 });
  const items = rules.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Alerts"
        description="Rules that watch customers’ risk and the model, and every alert sent to Discord."
        actions={
          canEdit && (
            <Button
              onClick={() => {
                setEditing(null);
                setDialogOpen(true);
              }}
            >
              <Plus /> New rule
            </Button>
          )
        }
      />
      {canEdit && <MonitoringRun />}
      <StatsCards stats={stats.data} />
      {rules.error && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(rules.error)}
        </p>
      )}
      {rules.isSuccess && items.length === 0 && (
        <EmptyState icon={BellRing} title="No alert rules yet">
          {canEdit ? 'Create a rule to be told on Discord when customers cross a risk threshold or their risk jumps.' : 'An analyst can create rules that post to Discord.'}
        </EmptyState>
      )}
      {items.length > 0 && (
        <RulesTable
          rules={items}
          canEdit={canEdit}
          onEdit={(r) => {
            setEditing(r);
            setDialogOpen(true);
          }}
        />
      )}
      <EventLog rules={items} />
      {canEdit && <RuleDialog rule={editing} open={dialogOpen} onOpenChange={setDialogOpen} />}
    </>
  );
}
