// Alert rules as the rules editor shows and edits them: the form's text
// fields turned into the API's AlertRuleInput, and a rule described in a
// sentence. Kept apart from the page so it is tested without a browser.
import type { components } from '@/api/schema';

export type AlertRule = components['schemas']['AlertRule'];
// Defaults make some members required in the generated type; a PATCH sends any subset.
export type AlertRuleInput = Partial<components['schemas']['AlertRuleInput']>;
export type AlertEvent = components['schemas']['AlertEvent'];
export type AlertStats = components['schemas']['AlertStats'];
export type RuleKind = AlertRule['kind'];
export type Severity = AlertRule['min_severity'];

export const kRuleKinds: { kind: RuleKind; label: string; help: string }[] = [
  { kind: 'high_risk', label: 'High risk', help: 'A customer’s churn probability is at or above a threshold.' },
  { kind: 'risk_increase', label: 'Risk increase', help: 'A customer’s probability rose since the previous score.' },
  { kind: 'level_up', label: 'Risk level up', help: 'A customer moved to a higher risk level.' },
  { kind: 'model_degradation', label: 'Model degradation', help: 'ROC-AUC on customers labelled since training fell.' },
  { kind: 'data_drift', label: 'Data drift', help: 'A feature’s distribution moved away from the training data (PSI).' },
  { kind: 'job_failures', label: 'Job failures', help: 'A background job failed or was given up.' },
];
export const kSeverities: Severity[] = ['info', 'warning', 'critical'];
export const kJobKinds = ['import', 'export', 'train', 'score', 'monitor'];

/** The editor's state: every number as the text the user typed. */
export interface RuleForm {
  name: string;
  kind: RuleKind;
  enabled: boolean;
  webhookUrl: string; // empty on edit: keep the stored one
  minSeverity: Severity;
  cooldownHours: string;
  filter: string; // one NAME=VALUE or NAME[op]=VALUE per line
  threshold: string; // 0..1
  minPoints: string;
  minRelativePercent: string;
  minLevel: string;
  maxDropPoints: string;
  psiThreshold: string;
  jobKinds: string[];
}

export function emptyRuleForm(): RuleForm {
  return {
    name: '',
    kind: 'high_risk',
    enabled: true,
    webhookUrl: '',
    minSeverity: 'info',
    cooldownHours: '24',
    filter: '',
    threshold: '0.7',
    minPoints: '10',
    minRelativePercent: '',
    minLevel: 'high',
    maxDropPoints: '5',
    psiThreshold: '0.2',
    jobKinds: [],
  };
}

const text = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

export function ruleToForm(rule: AlertRule): RuleForm {
  const base = emptyRuleForm();
  return {
    ...base,
    name: rule.name,
    kind: rule.kind,
    enabled: rule.enabled,
    webhookUrl: '',
    minSeverity: rule.min_severity,
    cooldownHours: text(rule.cooldown_seconds / 3600),
    filter: Object.entries(rule.customer_filter ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    threshold: rule.threshold != null ? text(rule.threshold) : base.threshold,
    minPoints: text(rule.min_points),
    minRelativePercent: text(rule.min_relative_percent),
    minLevel: rule.min_level ?? base.minLevel,
    maxDropPoints: rule.max_drop_points != null ? text(rule.max_drop_points) : base.maxDropPoints,
    psiThreshold: rule.psi_threshold != null ? text(rule.psi_threshold) : base.psiThreshold,
    jobKinds: rule.job_kinds ?? [],
  };
}

/** Form-side errors by field, named as the API names them so server errors land in the same place. */
export type FormErrors = Partial<Record<string, string>>;

function parseNumber(value: string, field: string, errors: FormErrors, check?: (n: number) => string | null): number | undefined {
  const t = value.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    errors[field] = `expected a number, got '${t}'`;
    return undefined;
  }
  const problem = check?.(n);
  if (problem) errors[field] = problem;
  return n;
}

/** Lines of NAME=VALUE (or NAME[op]=VALUE) into the customer_filter object. */
export function parseFilterLines(filter: string, errors: FormErrors): Record<string, string> {
  const out: Record<string, string> = {};
  filter.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors.customer_filter ??= `line ${i + 1}: expected NAME=VALUE or NAME[op]=VALUE, got '${line}'`;
      return;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return out;
}

/**
 * The request body for a create (`editing` false) or a PATCH. Only the
 * settings of the chosen kind are sent; an empty webhook URL on edit keeps
 * the stored one (the API only ever shows it masked).
 */
export function formToInput(form: RuleForm, editing: boolean): { body: AlertRuleInput; errors: FormErrors } {
  const errors: FormErrors = {};
  const body: AlertRuleInput = {
    name: form.name.trim(),
    kind: form.kind,
    enabled: form.enabled,
    min_severity: form.minSeverity,
    customer_filter: parseFilterLines(form.filter, errors),
  };
  if (!body.name) errors.name = 'a name is required';
  const url = form.webhookUrl.trim();
  if (url) body.webhook_url = url;
  else if (!editing) errors.webhook_url = 'a Discord webhook URL is required';
  const hours = parseNumber(form.cooldownHours, 'cooldown_seconds', errors, (n) => (n < 0 ? 'must be 0 or more hours' : null));
  if (hours !== undefined) body.cooldown_seconds = Math.round(hours * 3600);

  switch (form.kind) {
    case 'high_risk': {
      const t = parseNumber(form.threshold, 'threshold', errors, (n) => (n > 0 && n <= 1 ? null : 'must be above 0 and at most 1'));
      if (t === undefined && !errors.threshold) errors.threshold = 'a threshold is required';
      body.threshold = t;
      break;
    }
    case 'risk_increase': {
      body.min_points = parseNumber(form.minPoints, 'min_points', errors, (n) => (n > 0 ? null : 'must be above 0'));
      body.min_relative_percent = parseNumber(form.minRelativePercent, 'min_relative_percent', errors, (n) => (n > 0 ? null : 'must be above 0'));
      if (body.min_points === undefined && body.min_relative_percent === undefined && !errors.min_points)
        errors.min_points = 'give points, a percentage, or both';
      break;
    }
    case 'level_up':
      if (form.minLevel) body.min_level = form.minLevel;
      break;
    case 'model_degradation':
      body.max_drop_points = parseNumber(form.maxDropPoints, 'max_drop_points', errors, (n) => (n > 0 ? null : 'must be above 0'));
      break;
    case 'data_drift':
      body.psi_threshold = parseNumber(form.psiThreshold, 'psi_threshold', errors, (n) => (n > 0 ? null : 'must be above 0'));
      break;
    case 'job_failures':
      if (form.jobKinds.length) body.job_kinds = form.jobKinds;
      break;
  }
  for (const key of Object.keys(body) as (keyof AlertRuleInput)[]) if (body[key] === undefined) delete body[key];
  return { body, errors };
}

const pts = (n: number) => `${n} point${n === 1 ? '' : 's'}`;

/** What a rule watches for, in a few words. */
export function describeRule(rule: Pick<AlertRule, 'kind' | 'threshold' | 'min_points' | 'min_relative_percent' | 'min_level' | 'max_drop_points' | 'psi_threshold' | 'job_kinds'>): string {
  switch (rule.kind) {
    case 'high_risk':
      return `probability ≥ ${Math.round((rule.threshold ?? 0) * 1000) / 10}%`;
    case 'risk_increase': {
      const parts = [rule.min_points != null && `+${pts(rule.min_points)}`, rule.min_relative_percent != null && `+${rule.min_relative_percent}%`].filter(Boolean);
      return `risk up ${parts.join(' or ')}`;
    }
    case 'level_up':
      return rule.min_level ? `level rises to ${rule.min_level} or above` : 'level rises';
    case 'model_degradation':
      return `ROC-AUC drops more than ${pts(rule.max_drop_points ?? 5)}`;
    case 'data_drift':
      return `feature PSI above ${rule.psi_threshold ?? 0.2}`;
    case 'job_failures':
      return rule.job_kinds?.length ? `${rule.job_kinds.join(', ')} jobs fail` : 'any job fails';
  }
}

export function kindLabel(kind: RuleKind): string {
  return kRuleKinds.find((k) => k.kind === kind)?.label ?? kind;
}

/** Query string for the event log. */
export function eventsQuery(filter: { state: string; ruleId: string; customer: string }, offset: number, limit = 50): string {
  const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  if (filter.state !== 'all') q.set('state', filter.state);
  if (filter.ruleId !== 'all') q.set('rule_id', filter.ruleId);
  if (filter.customer.trim()) q.set('customer_id', filter.customer.trim());
  return q.toString();
}

/** The one-line summary of a finished monitor job's result ({scoring: {scored}, alerts_queued, rules}). */
export function monitorOutcome(result: unknown): string | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as { scoring?: { scored?: unknown }; alerts_queued?: unknown };
  const scored = typeof r.scoring?.scored === 'number' ? r.scoring.scored : null;
  const queued = typeof r.alerts_queued === 'number' ? r.alerts_queued : null;
  const parts = [
    scored !== null && `${scored.toLocaleString('en-US')} customers scored`,
    queued !== null && `${queued.toLocaleString('en-US')} alert${queued === 1 ? '' : 's'} queued`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}
