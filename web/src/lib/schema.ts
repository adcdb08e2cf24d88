import type { Attribute, DatasetSchema } from '@/api/client';

export function labelAttribute(schema: DatasetSchema | null | undefined): Attribute | undefined {
  return schema?.attributes.find((a) => a.role === 'label');
}
export function idAttribute(schema: DatasetSchema | null | undefined): Attribute | undefined {
  return schema?.attributes.find((a) => a.role === 'id');
}
/** Attributes whose values split customers into a few groups (for charts and in-list filters). */
export function categoricalAttributes(schema: DatasetSchema | null | undefined): Attribute[] {
  return (schema?.attributes ?? []).filter(
    (a) => a.role !== 'label' && a.role !== 'id' && (a.type === 'category' || a.type === 'boolean'),
  );
}
/** The values a categorical attribute takes, as the list filter expects them. */
export function categoryValues(a: Attribute): string[] {
  if (a.type === 'boolean') return ['true', 'false'];
  return a.categories ?? [];
}
/** The list filter value that selects label = 1. */
export function positiveLabelValue(a: Attribute): string {
  return a.type === 'boolean' ? 'true' : '1';
}
export function negativeLabelValue(a: Attribute): string {
  return a.type === 'boolean' ? 'false' : '0';
}
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Display text for a stored value; `number` attributes get two decimals and grouping. */
export function formatValue(v: unknown, type?: Attribute['type']): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') {
    if (type === 'number') return decimal.format(v);
    return Number.isInteger(v) ? String(v) : v.toLocaleString('en-US', { maximumFractionDigits: 4 });
  }
  return String(v);
}
export const roleLabels: Record<Attribute['role'], string> = {
  id: 'Identifier',
  label: 'Outcome',
  display: 'Display',
  feature: 'Features',
  ignored: 'Other',
  departure_date: 'Departure',
};
