// The audit log (admins): who did what, when and from where — sign-ins,
// user changes, imports, deletes, promotions, alert-rule changes. Filters
// map one to one onto GET /api/v1/audit's query parameters.
import * as React from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, ScrollText } from 'lucide-react';
import { api } from '@/api/client';
import type { components } from '@/api/schema';
import { errorMessage } from '@/api/hooks';
import { PageHeader } from '@/components/layout';
import { EmptyState } from '@/components/risk';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

export type AuditEntry = components['schemas']['AuditEntry'];
interface AuditPage {
  items: AuditEntry[];
  total: number;
  limit: number;
  offset: number;
}

const kPageSize = 50;

export interface AuditFilter {
  actor: string;
  action: string;
  since: string; // yyyy-mm-dd or ''
  until: string; // yyyy-mm-dd or '' (inclusive in the form)
}

/** The query string for a filter and page; `until` is inclusive in the form, exclusive in the API. */
export function auditQuery(filter: AuditFilter, offset: number): string {
  const q = new URLSearchParams({ limit: String(kPageSize), offset: String(offset) });
  if (filter.actor.trim()) q.set('actor', filter.actor.trim());
  if (filter.action.trim()) q.set('action', filter.action.trim());
  if (filter.since) q.set('since', filter.since);
  if (filter.until) {
    const next = new Date(`${filter.until}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    q.set('until', next.toISOString().slice(0, 10));
  }
  return q.toString();
}

function details(entry: AuditEntry): string {
  const d = entry.details as unknown;
  if (d === null || d === undefined) return '';
  if (typeof d === 'object' && Object.keys(d as object).length === 0) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

export function AuditPage() {
  const [draft, setDraft] = React.useState<AuditFilter>({ actor: '', action: '', since: '', until: '' });
  const [filter, setFilter] = React.useState(draft);
  const [offset, setOffset] = React.useState(0);
  const log = useQuery({
    queryKey: ['audit', filter, offset],
    queryFn: () => api<AuditPage>(`/api/v1/audit?${auditQuery(filter, offset)}`),
    placeholderData: keepPreviousData,
  });
  const field = (name: keyof AuditFilter) => ({
    value: draft[name],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [name]: e.target.value }),
  });
  const items = log.data?.items ?? [];
  const total = log.data?.total ?? 0;

  return (
    <>
      <PageHeader title="Audit log" description="Who did what, when and from where, newest first." />
      <Card className="mb-4 p-4">
        <form
          className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end"
          aria-label="Audit filters"
          onSubmit={(e) => {
            e.preventDefault();
            setOffset(0);
            setFilter(draft);
          }}
        >
          <div className="grid gap-1">
            <Label htmlFor="audit-actor">User</Label>
            <Input id="audit-actor" placeholder="exact username" {...field('actor')} />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-action">Action</Label>
            <Input id="audit-action" placeholder="auth.login or users." {...field('action')} />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-since">From (UTC)</Label>
            <Input id="audit-since" type="date" {...field('since')} />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-until">To (UTC)</Label>
            <Input id="audit-until" type="date" {...field('until')} />
          </div>
          <Button type="submit">Apply</Button>
        </form>
      </Card>
      {log.error && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          {errorMessage(log.error)}
        </p>
      )}
      {log.isSuccess && items.length === 0 && (
        <EmptyState icon={ScrollText} title="No entries">
          Nothing matches these filters.
        </EmptyState>
      )}
      {items.length > 0 && (
        <Card className="overflow-hidden">
          <Table aria-label="Audit log" aria-busy={log.isFetching}>
            <THead>
              <TR className="hover:bg-transparent">
                <TH>When</TH>
                <TH>User</TH>
                <TH>Action</TH>
                <TH>Target</TH>
                <TH>From</TH>
                <TH>Details</TH>
              </TR>
            </THead>
            <TBody>
              {items.map((e) => (
                <TR key={e.id} data-testid="audit-row">
                  <TD className="whitespace-nowrap text-muted-foreground">
                    <time dateTime={e.at}>{new Date(e.at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })}</time>
                  </TD>
                  <TD>{e.actor ?? '—'}</TD>
                  <TD className="font-mono text-xs">{e.action}</TD>
                  <TD className="max-w-48 truncate" title={e.target ?? undefined}>
                    {e.target || '—'}
                  </TD>
                  <TD className="font-mono text-xs text-muted-foreground">{e.address || '—'}</TD>
                  <TD className="max-w-72 truncate text-xs text-muted-foreground" title={details(e)}>
                    {details(e) || '—'}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          <div className="flex items-center justify-end gap-2 border-t p-3 text-sm text-muted-foreground">
            <span className="tabular-nums">
              {offset + 1}–{offset + items.length} of {total}
            </span>
            <Button variant="outline" size="icon" aria-label="Newer entries" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - kPageSize))}>
              <ChevronLeft />
            </Button>
            <Button variant="outline" size="icon" aria-label="Older entries" disabled={offset + items.length >= total} onClick={() => setOffset(offset + kPageSize)}>
              <ChevronRight />
            </Button>
          </div>
        </Card>
      )}
    </>
  );
}
