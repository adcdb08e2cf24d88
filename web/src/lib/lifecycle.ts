// Customer lifecycle for the views: a customer whose label says churned has
// departed, everyone else is active. Only active customers are scored; a
// departed customer keeps the last score before departure as the prediction
// of record. This file shapes status text, the risk summary's population
// line and the outcomes report (GET /api/v1/risk/outcomes).
import type { Customer } from '@/api/client';
import type { RiskOutcomes, RiskSummary } from '@/api/ml';
import { numberFormat, percentFormat } from '@/lib/utils';

export type CustomerStatus = Customer['status'];

/** The customer list's status filter; `all` sends no `status` parameter. */
export type StatusFilter = 'all' | CustomerStatus;
export const kStatusFilters: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'departed', label: 'Departed' },
];

/** Reads the status filter kept in the page address; anything else is `all`. */
export function parseStatusFilter(text: string | null): StatusFilter {
  return text === 'active' || text === 'departed' ? text : 'all';
}

export function statusLabel(status: CustomerStatus | undefined): string {
  return status === 'departed' ? 'Departed' : 'Active';
}

export function isDeparted(customer: Pick<Customer, 'status'> | undefined): boolean {
  return customer?.status === 'departed';
}

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

/**
 * A departure date for people ("Dec 3, 2026"), read in UTC: a date-only
 * attribute arrives as midnight UTC and must not slip to the previous day.
 * Null or unreadable input gives null.
 */
export function formatDepartureDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : dateFormat.format(t);
}

/** "Departed on Dec 3, 2026", or "Departed" when the date is unknown. */
export function departedText(departedAt: string | null | undefined): string {
  const date = formatDepartureDate(departedAt);
  return date ? `Departed on ${date}` : 'Departed';
}

/** Why the customer page offers no "Score now" for a departed customer. */
export function rescoreBlockedReason(customer: Pick<Customer, 'status' | 'departed_at'>): string | null {
  if (!isDeparted(customer)) return null;
  return 'Not rescored: a departed customer keeps the last score made before the departure.';
}

/**
 * "Active customers: 7,963 · departed: 2,037" from the risk summary, or
 * null when the summary does not say (a server without the lifecycle).
 */
export function populationText(summary: Pick<RiskSummary, 'active_customers' | 'departed_customers'> | undefined): string | null {
  if (!summary || typeof summary.active_customers !== 'number' || typeof summary.departed_customers !== 'number') return null;
  return `Active customers: ${numberFormat.format(summary.active_customers)} · departed: ${numberFormat.format(summary.departed_customers)}`;
}

/** The outcomes report's window choices, in days. */
export const kOutcomeWindows = [30, 90, 365] as const;
export type OutcomeWindow = (typeof kOutcomeWindows)[number];

/** Query for the last `days` days before `now` (until defaults to now on the server). */
export function outcomesParams(days: number, now: Date, modelVersion?: number | null): URLSearchParams {
  const since = new Date(now.getTime() - days * 86_400_000);
  since.setUTCMilliseconds(0);
  const params = new URLSearchParams({ since: since.toISOString().replace('.000Z', 'Z') });
  if (typeof modelVersion === 'number') params.set('model_version', String(modelVersion));
  return params;
}

/** A share (precision, recall) as a percentage; null is a dash. */
export function formatShare(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? percentFormat.format(v) : '—';
}

/** ROC-AUC with three decimals, as the Models page shows it; null is a dash. */
export function formatAuc(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '—';
}

const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** "23 days", "1 day", "less than a day", "4.5 days"; null is a dash. */
export function formatLeadDays(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (v < 1) return 'less than a day';
  const text = oneDecimal.format(v);
  return `${text} ${text === '1' ? 'day' : 'days'}`;
}

function customers(n: number): string {
  return `${numberFormat.format(n)} ${n === 1 ? 'customer' : 'customers'}`;
}

/**
 * The outcomes in one sentence: "Of the 120 customers who left in the last
 * 90 days, 84 were flagged, a median 23 days ahead."
 */
export function outcomeSentence(o: Pick<RiskOutcomes, 'departed' | 'flagged_departed' | 'median_lead_days'>, days: number): string {
  if (o.departed <= 0) return 'No departures recorded in this window yet.';
  const window = `in the last ${numberFormat.format(days)} days`;
  const lead = formatLeadDays(o.median_lead_days);
  // One flagged customer has a lead time, several have a median one.
  const median = lead === 'less than a day' ? 'a median of' : 'a median';
  const ahead = lead === '—' ? '' : o.flagged_departed === 1 ? `, ${lead} ahead` : `, ${median} ${lead} ahead`;
  if (o.departed === 1) {
    return o.flagged_departed >= 1
      ? `The one customer who left ${window} was flagged${ahead}.`
      : `The one customer who left ${window} was not flagged beforehand.`;
  }
  const of = `Of the ${customers(o.departed)} who left ${window}`;
  if (o.flagged_departed <= 0) return `${of}, none was flagged beforehand.`;
  const flagged = o.flagged_departed === o.departed ? `all ${numberFormat.format(o.flagged_departed)}` : numberFormat.format(o.flagged_departed);
  return `${of}, ${flagged} ${o.flagged_departed === 1 ? 'was' : 'were'} flagged${ahead}.`;
}

export interface OutcomeWeek {
  week: string;
  label: string;
  departed: number;
  flagged: number;
  recall: number | null;
}

/** The weekly series for the chart, oldest first, with a short axis label ("Nov 30"). */
export function outcomeWeeks(weekly: RiskOutcomes['weekly'] | undefined): OutcomeWeek[] {
  const label = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return (weekly ?? [])
    .filter((w) => w.week_start && !Number.isNaN(Date.parse(w.week_start)))
    .map((w) => ({
      week: w.week_start,
      label: label.format(Date.parse(w.week_start)),
      departed: w.departed ?? 0,
      flagged: w.flagged_departed ?? 0,
      recall: typeof w.recall === 'number' ? w.recall : null,
    }))
    .sort((a, b) => a.week.localeCompare(b.week));
}
