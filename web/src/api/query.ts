// Builds the list endpoint's query string from the UI's filter model.
// Contract (see openapi.json): `Attr=v`, `Attr[gte]=n`, `Attr[lte]=n`,
// `Attr[in]=a,b`; plus limit, offset, sort (`-` prefix = descending), q and
// status (active or departed).

export type Filter =
  | { kind: 'equals'; attribute: string; value: string }
  | { kind: 'range'; attribute: string; min?: string; max?: string }
  | { kind: 'in'; attribute: string; values: string[] };

export interface ListQuery {
  limit?: number;
  offset?: number;
  sort?: { attribute: string; descending: boolean } | null;
  q?: string;
  /** `status=active|departed`; absent lists everyone. */
  status?: 'active' | 'departed';
  filters?: Filter[];
}

/** Adds the filters to `params`; empty parts (blank bounds, empty lists) are left out. */
export function appendFilters(params: URLSearchParams, filters: Filter[] = []) {
  for (const f of filters) {
    switch (f.kind) {
      case 'equals':
        if (f.value !== '') params.append(f.attribute, f.value);
        break;
      case 'range':
        if (f.min !== undefined && f.min.trim() !== '') params.append(`${f.attribute}[gte]`, f.min.trim());
        if (f.max !== undefined && f.max.trim() !== '') params.append(`${f.attribute}[lte]`, f.max.trim());
        break;
      case 'in':
        if (f.values.length > 0) params.append(`${f.attribute}[in]`, f.values.join(','));
        break;
    }
  }
  return params;
}

export function buildListParams(query: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.offset) params.set('offset', String(query.offset));
  if (query.sort) params.set('sort', (query.sort.descending ? '-' : '') + query.sort.attribute);
  if (query.q && query.q.trim() !== '') params.set('q', query.q.trim());
  if (query.status) params.set('status', query.status);
  appendFilters(params, query.filters);
  return params;
}

/** True when the filter narrows the list (so it counts as active in the UI). */
export function isActive(f: Filter): boolean {
  if (f.kind === 'equals') return f.value !== '';
  if (f.kind === 'range') return Boolean(f.min?.trim() || f.max?.trim());
  return f.values.length > 0;
}

/** `-Age` → descending Age; empty → no sort. */
export function parseSort(text: string | null): ListQuery['sort'] {
  if (!text) return null;
  return text.startsWith('-') ? { attribute: text.slice(1), descending: true } : { attribute: text, descending: false };
}

export function formatSort(sort: ListQuery['sort']): string | null {
  return sort ? (sort.descending ? '-' : '') + sort.attribute : null;
}

/** Reads filters kept in the page address; anything malformed is dropped. */
export function parseFilters(text: string | null): Filter[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: Filter[] = [];
  for (const f of raw) {
    if (!f || typeof f !== 'object' || typeof f.attribute !== 'string') continue;
    if (f.kind === 'equals' && typeof f.value === 'string') out.push({ kind: 'equals', attribute: f.attribute, value: f.value });
    else if (f.kind === 'range') out.push({ kind: 'range', attribute: f.attribute, min: str(f.min) ?? '', max: str(f.max) ?? '' });
    else if (f.kind === 'in' && Array.isArray(f.values))
      out.push({ kind: 'in', attribute: f.attribute, values: f.values.filter((v: unknown) => typeof v === 'string') });
  }
  return out;
}
