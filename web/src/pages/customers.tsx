import * as React from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ArrowDown, ArrowUp, ArrowUpDown, ChevronLeft, ChevronRight, Download, Filter as FilterIcon, Pencil, Plus, Search, Trash2 } from 'lucide-react';
import { api, type Customer, type CustomerPage } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { buildListParams, formatSort, isActive, parseFilters, parseSort, type Filter, type ListQuery } from '@/api/query';
import { useCan } from '@/auth/auth';
import { PageHeader } from '@/components/layout';
import { CustomerDialog } from '@/components/customer_dialog';
import { CustomerFilters } from '@/components/customer_filters';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { Badge } from '@/components/ui/badge';
import { downloadFile } from '@/lib/download';
import { RiskFilters } from '@/components/risk_filters';
import { RiskBadge, ChangeText } from '@/components/risk';
import { StatusBadge } from '@/components/lifecycle';
import { Segmented } from '@/components/ui/segmented';
import { kStatusFilters, parseStatusFilter, type StatusFilter } from '@/lib/lifecycle';
import { formatValue } from '@/lib/schema';
import { cn, numberFormat } from '@/lib/utils';

const kPageSize = 25;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = React.useState(value);
  React.useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function CustomersPage() {
  const schema = useSchema();
  const canWrite = useCan('analyst');
  const navigate = useNavigate();
  const toast = useToast();
  const queryClient = useQueryClient();

  // Paging, sort, search and filters live in the address, so the back
  // button and shared links keep the view.
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const sort = parseSort(params.get('sort'));
  const q = params.get('q') ?? '';
  const status = parseStatusFilter(params.get('status'));
  const filters = React.useMemo(() => parseFilters(params.get('filters')), [params]);
  const update = React.useCallback(
    (changes: Record<string, string | null>, keepOffset = false) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) v ? next.set(k, v) : next.delete(k);
          if (!keepOffset) next.delete('offset');
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const setOffset = (n: number) => update({ offset: n > 0 ? String(n) : null }, true);
  const setFilters = (f: Filter[]) => update({ filters: f.length ? JSON.stringify(f) : null });
  const setStatus = (s: StatusFilter) => update({ status: s === 'all' ? null : s });
  const [search, setSearch] = React.useState(q);
  const debouncedSearch = useDebounced(search, 300);
  React.useEffect(() => {
    if (debouncedSearch.trim() !== q.trim()) update({ q: debouncedSearch.trim() || null });
  }, [debouncedSearch, q, update]);
  const [showFilters, setShowFilters] = React.useState(filters.length > 0);
  const [selected, setSelected] = React.useState<Set<string>>(new Set());
  const [editing, setEditing] = React.useState<Customer | undefined>();
  const [dialogOpen, setDialogOpen] = React.useState(false);
  const [confirmDelete, setConfirmDelete] = React.useState(false);

  const activeFilters = filters.filter(isActive);
  const filterKey = JSON.stringify(activeFilters);

  const query: ListQuery = { limit: kPageSize, offset, sort, q, status: status === 'all' ? undefined : status, filters: activeFilters };
  const page = useQuery({
    queryKey: ['customers', 'list', offset, formatSort(sort), q, status, filterKey],
    queryFn: () => api<CustomerPage>(`/api/v1/customers?${buildListParams(query)}`),
    enabled: Boolean(schema.data),
    placeholderData: keepPreviousData,
  });

  const bulkDelete = useMutation({
    mutationFn: (ids: string[]) =>
      api<{ deleted?: number }>('/api/v1/customers/bulk', { method: 'POST', json: { delete: ids } }),
    onSuccess: (r) => {
      toast(`Deleted ${r.deleted ?? 0} customers`);
      setSelected(new Set());
      setConfirmDelete(false);
      queryClient.invalidateQueries({ queryKey: ['customers'] });
      queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      queryClient.invalidateQueries({ queryKey: ['risk'] });
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });

  // Columns: id, display name, the outcome label, then the features.
  const attributes = (schema.data?.attributes ?? [])
    .filter((a) => a.role === 'label' || a.role === 'feature')
    .sort((a, b) => Number(b.role === 'label') - Number(a.role === 'label'));
  const idAttr = schema.data?.attributes.find((a) => a.role === 'id');
  const displayAttr = schema.data?.attributes.find((a) => a.role === 'display');
  const items = page.data?.items ?? [];
  const total = page.data?.total ?? 0;
  const allOnPage = items.length > 0 && items.every((c) => selected.has(c.id));
  const someOnPage = items.some((c) => selected.has(c.id));

  function toggleSort(name: string) {
    const next: ListQuery['sort'] =
      sort?.attribute !== name ? { attribute: name, descending: false } : sort.descending ? null : { attribute: name, descending: true };
    update({ sort: formatSort(next) });
  }

  async function exportCsv() {
    const params = buildListParams({ sort, q, status: query.status, filters: activeFilters });
    params.set('format', 'csv');
    try {
      await downloadFile(`/api/v1/customers/export?${params}`, 'customers.csv');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }

  function SortHeader({ name, label, className }: { name: string; label: string; className?: string }) {
    const active = sort?.attribute === name;
    const Icon = !active ? ArrowUpDown : sort!.descending ? ArrowDown : ArrowUp;
    return (
      <TH aria-sort={active ? (sort!.descending ? 'descending' : 'ascending') : 'none'} className={className}>
        <button
          type="button"
          onClick={() => toggleSort(name)}
          className="-mx-1 inline-flex items-center gap-1 rounded px-1 py-0.5 hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          {label}
          <Icon className={cn('size-3.5', !active && 'opacity-40')} aria-hidden />
        </button>
      </TH>
    );
  }

  if (schema.isSuccess && !schema.data) {
    return (
      <>
        <PageHeader title="Customers" />
        <Card className="p-6 text-sm text-muted-foreground">
          No customers yet. <Link className="text-primary underline" to="/data">Import a customer table</Link> to begin.
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Customers"
        description={
          page.data
            ? `${numberFormat.format(total)}${status === 'all' ? '' : ` ${status}`} ${total === 1 ? 'customer' : 'customers'}${activeFilters.length || q ? (total === 1 ? ' matches' : ' match') : ''}`
            : ' '
        }
        actions={
          <>
            <Button variant="outline" onClick={exportCsv}>
              <Download /> Export CSV
            </Button>
            {canWrite && schema.data && (
              <Button
                onClick={() => {
                  setEditing(undefined);
                  setDialogOpen(true);
                }}
              >
                <Plus /> Add customer
              </Button>
            )}
          </>
        }
      />

      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center">
        <div className="relative sm:w-80">
          <Search className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
          <Input
            type="search"
            aria-label="Search customers by id or name"
            placeholder="Search id or name"
            className="pl-9"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <Segmented label="Status" value={status} options={kStatusFilters} onChange={setStatus} />
        <Button variant={showFilters ? 'secondary' : 'outline'} aria-expanded={showFilters} aria-controls="filters-panel" onClick={() => setShowFilters((s) => !s)}>
          <FilterIcon /> Filters
          {activeFilters.length > 0 && <Badge>{activeFilters.length}</Badge>}
        </Button>
        {canWrite && selected.size > 0 && (
          <Button variant="destructive" className="sm:ml-auto" onClick={() => setConfirmDelete(true)}>
            <Trash2 /> Delete {selected.size} selected
          </Button>
        )}
      </div>
      {showFilters && schema.data && (
        <div id="filters-panel" className="mb-4">
          <div className="flex flex-col gap-3">
            <RiskFilters filters={filters} onChange={setFilters} />
            <CustomerFilters attributes={schema.data.attributes} filters={filters} onChange={setFilters} />
          </div>
        </div>
      )}

      {page.error && (
        <p role="alert" className="mb-4 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          {errorMessage(page.error)}
        </p>
      )}

      <Card className="overflow-hidden">
        <Table aria-busy={page.isFetching} aria-label="Customers">
          <THead>
            <TR className="hover:bg-transparent">
              {canWrite && (
                <TH className="w-10">
                  <Checkbox
                    aria-label="Select all on this page"
                    checked={allOnPage ? true : someOnPage ? 'indeterminate' : false}
                    onCheckedChange={(c) =>
                      setSelected((s) => {
                        const n = new Set(s);
                        for (const it of items) c ? n.add(it.id) : n.delete(it.id);
                        return n;
                      })
                    }
                  />
                </TH>
              )}
              {idAttr ? <SortHeader name={idAttr.name} label={idAttr.name} /> : <TH>Id</TH>}
              {displayAttr && <SortHeader name={displayAttr.name} label={displayAttr.name} />}
              <TH>Status</TH>
              <SortHeader name="risk" label="Risk" />
              {attributes.map((a) => (
                <SortHeader key={a.name} name={a.name} label={a.name} className={a.type === 'number' || a.type === 'integer' ? 'text-right' : undefined} />
              ))}
              {canWrite && (
                <TH className="sticky right-0 w-12 bg-muted">
                  <span className="sr-only">Actions</span>
                </TH>
              )}
            </TR>
          </THead>
          <TBody>
            {items.map((c) => (
              <TR key={c.id} data-state={selected.has(c.id) ? 'selected' : undefined}>
                {canWrite && (
                  <TD>
                    <Checkbox
                      aria-label={`Select customer ${c.id}`}
                      checked={selected.has(c.id)}
                      onCheckedChange={(v) =>
                        setSelected((s) => {
                          const n = new Set(s);
                          v ? n.add(c.id) : n.delete(c.id);
                          return n;
                        })
                      }
                    />
                  </TD>
                )}
                <TD className="font-medium tabular-nums">
                  <Link to={`/customers/${encodeURIComponent(c.id)}`} className="text-primary hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring rounded-sm">
                    {c.id}
                  </Link>
                </TD>
                {displayAttr && <TD>{formatValue(c.attributes[displayAttr.name], displayAttr.type)}</TD>}
                <TD>
                  <StatusBadge customer={c} />
                </TD>
                <TD className="whitespace-nowrap" title={c.status === 'departed' && c.risk ? 'Prediction of record: the last score before departure' : undefined}>
                  {c.risk ? (
                    <span className="inline-flex items-center gap-2">
                      <RiskBadge level={c.risk.risk_level} probability={c.risk.probability} />
                      {c.risk.change !== null && c.risk.change !== undefined && Math.abs(c.risk.change) >= 0.01 && (
                        <ChangeText change={c.risk.change} className="text-xs" />
                      )}
                    </span>
                  ) : (
                    <span className="text-xs text-muted-foreground">Not scored</span>
                  )}
                </TD>
                {attributes.map((a) => (
                  <TD key={a.name} className={a.type === 'number' || a.type === 'integer' ? 'text-right tabular-nums' : undefined}>
                    {a.role === 'label' && c.attributes[a.name] === true ? (
                      <Badge variant="destructive">{formatValue(c.attributes[a.name])}</Badge>
                    ) : (
                      formatValue(c.attributes[a.name], a.type)
                    )}
                  </TD>
                ))}
                {canWrite && (
                  <TD className="sticky right-0 bg-card py-1 shadow-[-1px_0_0_var(--color-border)]">
                    <Button
                      variant="ghost"
                      size="icon"
                      className="size-7"
                      aria-label={`Edit customer ${c.id}`}
                      onClick={() => {
                        setEditing(c);
                        setDialogOpen(true);
                      }}
                    >
                      <Pencil />
                    </Button>
                  </TD>
                )}
              </TR>
            ))}
            {page.isSuccess && items.length === 0 && (
              <TR>
                <TD colSpan={attributes.length + 6} className="py-10 text-center text-muted-foreground">
                  No customers match.
                </TD>
              </TR>
            )}
          </TBody>
        </Table>
        <div className="flex items-center justify-between gap-3 border-t px-4 py-3 text-sm text-muted-foreground">
          <span aria-live="polite">
            {total > 0
              ? `${numberFormat.format(offset + 1)}–${numberFormat.format(Math.min(offset + kPageSize, total))} of ${numberFormat.format(total)}`
              : page.isFetching
                ? 'Loading…'
                : '0 customers'}
          </span>
          <div className="flex gap-2">
            <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - kPageSize))}>
              <ChevronLeft /> Previous
            </Button>
            <Button variant="outline" size="sm" disabled={offset + kPageSize >= total} onClick={() => setOffset(offset + kPageSize)}>
              Next <ChevronRight />
            </Button>
          </div>
        </div>
      </Card>

      {schema.data && (
        <CustomerDialog
          schema={schema.data}
          customer={editing}
          open={dialogOpen}
          onOpenChange={setDialogOpen}
          onSaved={(c) => !editing && navigate(`/customers/${encodeURIComponent(c.id)}`)}
        />
      )}
      <Dialog open={confirmDelete} onOpenChange={setConfirmDelete}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Delete {selected.size} customers?</DialogTitle>
            <DialogDescription>This removes them permanently, all or nothing.</DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="outline" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button variant="destructive" disabled={bulkDelete.isPending} onClick={() => bulkDelete.mutate([...selected])}>
              Delete
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}
