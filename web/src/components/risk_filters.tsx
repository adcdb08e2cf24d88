// Risk filters for the customer list: a minimum probability (entered in
// percent, sent as `risk[gte]=0.6`) and risk levels (`risk_level[in]=...`).
import type { Filter } from '@/api/query';
import { Checkbox } from '@/components/ui/checkbox';
import { Input } from '@/components/ui/input';
import { kLevelOrder, levelLabel } from '@/lib/risk';
import { RiskBadge } from '@/components/risk';

export const kRiskAttribute = 'risk';
export const kRiskLevelAttribute = 'risk_level';

/** Percent text typed by the user → the fraction the API filters on ('' stays ''). */
export function percentToFraction(text: string): string {
  const t = text.trim().replace('%', '');
  if (t === '') return '';
  const n = Number(t);
  if (!Number.isFinite(n)) return '';
  return String(Math.min(100, Math.max(0, n)) / 100);
}
export function fractionToPercent(text: string | undefined): string {
  if (!text) return '';
  const n = Number(text);
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 10) : '';
}

export function RiskFilters({ filters, onChange }: { filters: Filter[]; onChange: (f: Filter[]) => void }) {
  const min = filters.find((f) => f.attribute === kRiskAttribute && f.kind === 'range');
  const levels = filters.find((f) => f.attribute === kRiskLevelAttribute && f.kind === 'in');
  const selected = levels?.kind === 'in' ? levels.values : [];
  const others = (attribute: string) => filters.filter((f) => f.attribute !== attribute);

  function setMin(text: string) {
    const fraction = percentToFraction(text);
    onChange(fraction === '' && text.trim() === '' ? others(kRiskAttribute) : [...others(kRiskAttribute), { kind: 'range', attribute: kRiskAttribute, min: fraction, max: '' }]);
  }
  function toggleLevel(level: string, on: boolean) {
    const next = on ? [...selected, level] : selected.filter((l) => l !== level);
    onChange(next.length ? [...others(kRiskLevelAttribute), { kind: 'in', attribute: kRiskLevelAttribute, values: next }] : others(kRiskLevelAttribute));
  }

  return (
    <div className="flex flex-wrap items-center gap-x-6 gap-y-3 rounded-lg border bg-card px-3 py-2" data-testid="risk-filters">
      <span className="min-w-28 text-sm font-medium">Churn risk</span>
      <label className="flex items-center gap-2 text-sm">
        <span className="text-muted-foreground">at least</span>
        <Input
          aria-label="Minimum churn probability (percent)"
          inputMode="decimal"
          placeholder="0"
          className="w-20"
          defaultValue={min?.kind === 'range' ? fractionToPercent(min.min) : ''}
          onChange={(e) => setMin(e.target.value)}
        />
        <span className="text-muted-foreground">%</span>
      </label>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2" role="group" aria-label="Risk levels">
        {kLevelOrder.map((level) => {
          const id = `risk-level-${level}`;
          return (
            <label key={level} htmlFor={id} className="flex cursor-pointer items-center gap-2 text-sm">
              <Checkbox id={id} aria-label={levelLabel(level)} checked={selected.includes(level)} onCheckedChange={(c) => toggleLevel(level, c === true)} />
              <RiskBadge level={level} />
            </label>
          );
        })}
      </div>
    </div>
  );
}
