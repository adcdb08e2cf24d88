// Pure shaping for the risk and model views: level names and colours, chart
// series from API payloads, and the what-if form's value conversion.
import type { Attribute, Customer, DatasetSchema } from '@/api/client';

/** The server's default bands, lowest first; unknown levels sort after them. */
export const kLevelOrder = ['very_low', 'low', 'medium', 'high', 'very_high'] as const;

export function levelLabel(level: string | null | undefined): string {
  if (!level) return 'Not scored';
  const text = level.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Position of a level on the low→high scale (unknown names last). */
export function levelRank(level: string): number {
  const i = (kLevelOrder as readonly string[]).indexOf(level);
  return i < 0 ? kLevelOrder.length : i;
}

/**
 * Badge classes per level. Text and background come from one hue with the
 * text dark on light backgrounds and light in the dark theme, so both themes
 * keep a readable contrast.
 */
export function levelClasses(level: string | null | undefined): string {
  switch (level) {
    case 'very_low':
      return 'bg-emerald-100 text-emerald-800 border-emerald-200 dark:bg-emerald-500/15 dark:text-emerald-300 dark:border-emerald-500/30';
    case 'low':
      return 'bg-lime-100 text-lime-800 border-lime-200 dark:bg-lime-500/15 dark:text-lime-300 dark:border-lime-500/30';
    case 'medium':
      return 'bg-amber-100 text-amber-800 border-amber-200 dark:bg-amber-500/15 dark:text-amber-300 dark:border-amber-500/30';
    case 'high':
      return 'bg-orange-100 text-orange-800 border-orange-200 dark:bg-orange-500/15 dark:text-orange-300 dark:border-orange-500/30';
    case 'very_high':
      return 'bg-red-100 text-red-800 border-red-200 dark:bg-red-500/15 dark:text-red-300 dark:border-red-500/30';
    default:
      return 'bg-muted text-muted-foreground border-border';
  }
}

/** Chart fill per level (CSS colours that read on both themes' cards). */
export function levelColor(level: string): string {
  switch (level) {
    case 'very_low':
      return 'oklch(0.68 0.14 160)';
    case 'low':
      return 'oklch(0.76 0.15 130)';
    case 'medium':
      return 'oklch(0.78 0.15 80)';
    case 'high':
      return 'oklch(0.7 0.17 50)';
    case 'very_high':
      return 'oklch(0.62 0.21 27)';
    default:
      return 'var(--color-muted-foreground)';
  }
}

export interface LevelCount {
  level: string;
  label: string;
  customers: number;
  share: number;
  color: string;
}

/**
 * Level counts in low→high order with their share of the total. With
 * `allLevels`, levels nobody is in appear with 0 (the scale stays visible).
 */
export function levelDistribution(
  byLevel: { level?: string; customers?: number }[] | Record<string, number> | undefined,
  allLevels: readonly string[] = [],
): LevelCount[] {
  const rows: { level: string; customers: number }[] = Array.isArray(byLevel)
    ? byLevel.filter((r) => r.level).map((r) => ({ level: r.level!, customers: r.customers ?? 0 }))
    : Object.entries(byLevel ?? {}).map(([level, customers]) => ({ level, customers }));
  for (const level of allLevels) if (!rows.some((r) => r.level === level)) rows.push({ level, customers: 0 });
  const total = rows.reduce((s, r) => s + r.customers, 0);
  return rows
    .sort((a, b) => levelRank(a.level) - levelRank(b.level))
    .map((r) => ({ ...r, label: levelLabel(r.level), share: total ? r.customers / total : 0, color: levelColor(r.level) }));
}

export interface HistoryPoint {
  time: number;
  probability: number;
  level: string;
  model: number | undefined;
}

/** Risk history (API: newest first) as an oldest-first time series. */
export function historySeries(
  items: { probability?: number; risk_level?: string; scored_at?: string; model_version?: number }[],
): HistoryPoint[] {
  return items
    .filter((r) => typeof r.probability === 'number' && r.scored_at && !Number.isNaN(Date.parse(r.scored_at)))
    .map((r) => ({ time: Date.parse(r.scored_at!), probability: r.probability!, level: r.risk_level ?? '', model: r.model_version }))
    .sort((a, b) => a.time - b.time);
}

export interface ReasonBar {
  attribute: string;
  text: string;
  contribution: number;
}

/** Reasons as bars, largest effect first (either direction). */
export function reasonBars(reasons: { attribute?: string; text?: string; contribution?: number; value?: unknown }[] | undefined): ReasonBar[] {
  return (reasons ?? [])
    .filter((r) => typeof r.contribution === 'number' && r.attribute)
    .map((r) => ({
      attribute: r.attribute!,
      text: r.text || `${r.attribute} = ${String(r.value ?? '')}`,
      contribution: r.contribution!,
    }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}

export interface CurvePoint {
  x: number;
  y: number;
  threshold?: number;
}

/** Curve points sorted by x, thinned to at most `max` points (ends kept). */
export function curveSeries(raw: unknown, max = 200): CurvePoint[] {
  if (!Array.isArray(raw)) return [];
  const pts = raw
    .filter((p): p is CurvePoint => !!p && typeof p.x === 'number' && typeof p.y === 'number')
    .map((p) => ({ x: p.x, y: p.y, threshold: typeof p.threshold === 'number' ? p.threshold : undefined }))
    .sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length <= max) return pts;
  const step = (pts.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => pts[Math.round(i * step)]);
}

/**
 * Two versions' curves on one x axis for an overlay chart: one row per x
 * with `a` and/or `b` set (Recharts joins across gaps with connectNulls).
 */
export function mergeCurves(a: CurvePoint[], b: CurvePoint[]): { x: number; a?: number; b?: number }[] {
  const rows = new Map<number, { x: number; a?: number; b?: number }>();
  for (const p of a) rows.set(p.x, { ...(rows.get(p.x) ?? { x: p.x }), a: p.y });
  for (const p of b) rows.set(p.x, { ...(rows.get(p.x) ?? { x: p.x }), b: p.y });
  return [...rows.values()].sort((l, r) => l.x - r.x);
}

export interface CalibrationPoint {
  predicted: number;
  observed: number;
  count: number;
}

/** Calibration bins with customers in them, as predicted vs observed points. */
export function calibrationSeries(raw: unknown): CalibrationPoint[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((b) => b && typeof b.mean_predicted === 'number' && typeof b.fraction_positive === 'number' && (b.count ?? 0) > 0)
    .map((b) => ({ predicted: b.mean_predicted, observed: b.fraction_positive, count: b.count ?? 0 }))
    .sort((a, b) => a.predicted - b.predicted);
}

export interface ImportanceBar {
  attribute: string;
  gain: number;
  shap: number;
}

export function importanceBars(raw: unknown, top = 12): ImportanceBar[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((i) => i && typeof i.attribute === 'string')
    .map((i) => ({ attribute: i.attribute, gain: Number(i.gain) || 0, shap: Number(i.mean_abs_shap) || 0 }))
    .sort((a, b) => b.gain - a.gain)
    .slice(0, top);
}

/** Customers a model is applied to: every feature attribute, in schema order. */
export function featureAttributes(schema: DatasetSchema | null | undefined): Attribute[] {
  return (schema?.attributes ?? []).filter((a) => a.role === 'feature');
}

/** The what-if form holds text for every feature (what inputs and selects edit). */
export type WhatIfValues = Record<string, string>;

function valueText(a: Attribute, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (a.type === 'boolean') return v === true || v === 'true' || v === 1 || v === '1' ? 'true' : v === false || v === 'false' || v === 0 || v === '0' ? 'false' : '';
  return String(v);
}

/** A stored customer's features as form text. */
export function valuesFromCustomer(schema: DatasetSchema, customer: Customer): WhatIfValues {
  const out: WhatIfValues = {};
  for (const a of featureAttributes(schema)) out[a.name] = valueText(a, customer.attributes[a.name]);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Typical values from a sample of customers: the median of numbers (rounded
 * for integers, two decimals otherwise), the most common category, boolean
 * or text. Attributes nobody has stay blank.
 */
export function typicalValues(schema: DatasetSchema, sample: Customer[]): WhatIfValues {
  const out: WhatIfValues = {};
  for (const a of featureAttributes(schema)) {
    const seen = sample.map((c) => c.attributes[a.name]).filter((v) => v !== null && v !== undefined && v !== '');
    if (seen.length === 0) {
      out[a.name] = a.type === 'category' ? (a.categories?.[0] ?? '') : '';
      continue;
    }
    if (a.type === 'number' || a.type === 'integer') {
      const nums = seen.map(Number).filter((n) => Number.isFinite(n));
      const m = nums.length ? median(nums) : NaN;
      out[a.name] = Number.isNaN(m) ? '' : a.type === 'integer' ? String(Math.round(m)) : String(Math.round(m * 100) / 100);
      continue;
    }
    const counts = new Map<string, number>();
    for (const v of seen) {
      const t = valueText(a, v);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    out[a.name] = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0][0];
  }
  return out;
}

/**
 * Form text → the attributes object predict takes. Numbers are parsed,
 * booleans become true/false, blanks are left out (the model treats them as
 * missing). Returns the fields that do not parse, for showing beside inputs.
 */
export function toPredictAttributes(
  schema: DatasetSchema,
  values: WhatIfValues,
): { attributes: Record<string, unknown>; errors: Record<string, string> } {
  const attributes: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const a of featureAttributes(schema)) {
    const text = (values[a.name] ?? '').trim();
    if (text === '') continue;
    switch (a.type) {
      case 'integer':
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n)) errors[a.name] = 'Enter a number';
        else if (a.type === 'integer' && !Number.isInteger(n)) errors[a.name] = 'Enter a whole number';
        else attributes[a.name] = n;
        break;
      }
      case 'boolean':
        attributes[a.name] = text === 'true';
        break;
      default:
        attributes[a.name] = text;
    }
  }
  return { attributes, errors };
}

/** Signed probability points for display: +3.2 pts, −1.0 pts, +<0.1 pts, ±0.0 pts. */
export function formatPoints(change: number | null | undefined): string {
  if (change === null || change === undefined || Number.isNaN(change)) return '—';
  const pts = Math.round(change * 1000) / 10;
  if (pts === 0 && Math.abs(change) >= 1e-6) return `${change > 0 ? '+' : '−'}<0.1 pts`;
  const sign = pts > 0 ? '+' : pts < 0 ? '−' : '±';
  return `${sign}${Math.abs(pts).toFixed(1)} pts`;
}
