// Filter editor built from the schema: ranges for numbers, value lists for
// categories and booleans, equality for text and dates.
import { Plus, X } from 'lucide-react';
import type { Attribute } from '@/api/client';
import type { Filter } from '@/api/query';
import { categoryValues, formatValue } from '@/lib/schema';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Checkbox } from '@/components/ui/checkbox';
import { Select, SelectContent, SelectItem, SelectTrigger } from '@/components/ui/select';

export function newFilter(a: Attribute): Filter {
  if (a.type === 'number' || a.type === 'integer') return { kind: 'range', attribute: a.name, min: '', max: '' };
  if (a.type === 'category' || a.type === 'boolean') return { kind: 'in', attribute: a.name, values: [] };
  return { kind: 'equals', attribute: a.name, value: '' };
}

function FilterControl({ attribute, filter, onChange }: { attribute: Attribute; filter: Filter; onChange: (f: Filter) => void }) {
  if (filter.kind === 'range') {
    return (
      <div className="flex items-center gap-2">
        <Input
          aria-label={`${attribute.name} at least`}
          placeholder="min"
          inputMode="decimal"
          className="w-28"
          value={filter.min ?? ''}
          onChange={(e) => onChange({ ...filter, min: e.target.value })}
        />
        <span className="text-muted-foreground" aria-hidden>
          –
        </span>
        <Input
          aria-label={`${attribute.name} at most`}
          placeholder="max"
          inputMode="decimal"
          className="w-28"
          value={filter.max ?? ''}
          onChange={(e) => onChange({ ...filter, max: e.target.value })}
        />
      </div>
    );
  }
  if (filter.kind === 'in') {
    return (
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2" role="group" aria-label={`${attribute.name} values`}>
        {categoryValues(attribute).map((v) => {
          const id = `filter-${attribute.name}-${v}`;
          const checked = filter.values.includes(v);
          return (
            <label key={v} htmlFor={id} className="flex cursor-pointer items-center gap-2 text-sm">
              <Checkbox
                id={id}
                checked={checked}
                onCheckedChange={(c) =>
                  onChange({ ...filter, values: c ? [...filter.values, v] : filter.values.filter((x) => x !== v) })
                }
              />
              {attribute.type === 'boolean' ? formatValue(v === 'true') : v}
            </label>
          );
        })}
      </div>
    );
  }
  return (
    <Input
      aria-label={`${attribute.name} equals`}
      placeholder="equals"
      type={attribute.type === 'date' ? 'date' : 'text'}
      className="w-56"
      value={filter.value}
      onChange={(e) => onChange({ ...filter, value: e.target.value })}
    />
  );
}

export function CustomerFilters({
  attributes,
  filters,
  onChange,
}: {
  attributes: Attribute[];
  filters: Filter[];
  onChange: (filters: Filter[]) => void;
}) {
  const used = new Set(filters.map((f) => f.attribute));
  const available = attributes.filter((a) => !used.has(a.name) && a.role !== 'ignored');
  return (
    <div className="flex flex-col gap-3">
      {filters.map((f, i) => {
        const a = attributes.find((x) => x.name === f.attribute);
        if (!a) return null;
        return (
          <div key={f.attribute} className="flex flex-wrap items-center gap-3 rounded-lg border bg-card px-3 py-2">
            <span className="min-w-28 text-sm font-medium">{a.name}</span>
            <FilterControl attribute={a} filter={f} onChange={(nf) => onChange(filters.map((x, j) => (j === i ? nf : x)))} />
            <Button
              variant="ghost"
              size="icon"
              className="ml-auto"
              aria-label={`Remove ${a.name} filter`}
              onClick={() => onChange(filters.filter((_, j) => j !== i))}
            >
              <X />
            </Button>
          </div>
        );
      })}
      {available.length > 0 && (
        <Select
          value=""
          onValueChange={(name) => {
            const a = attributes.find((x) => x.name === name);
            if (a) onChange([...filters, newFilter(a)]);
          }}
        >
          <SelectTrigger className="w-52" aria-label="Add filter">
            <span className="flex items-center gap-2 text-muted-foreground">
              <Plus className="size-4" /> Add filter
            </span>
          </SelectTrigger>
          <SelectContent>
            {available.map((a) => (
              <SelectItem key={a.name} value={a.name}>
                {a.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      )}
    </div>
  );
}
