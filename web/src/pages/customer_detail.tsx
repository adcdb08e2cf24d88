// One customer: status (active, or departed and since when), current risk —
// for a departed customer the prediction of record —, risk history and
// reasons, then the attributes grouped by their schema role.
import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ArrowLeft, Pencil } from 'lucide-react';
import { api, ApiError, type Customer } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { useCan } from '@/auth/auth';
import { PageHeader } from '@/components/layout';
import { CustomerDialog } from '@/components/customer_dialog';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { CustomerRisk } from '@/components/customer_risk';
import { StatusBadge } from '@/components/lifecycle';
import { formatValue, roleLabels } from '@/lib/schema';

export function CustomerDetailPage() {
  const { id = '' } = useParams();
  const schema = useSchema();
  const canWrite = useCan('analyst');
  const [editing, setEditing] = React.useState(false);
  const customer = useQuery({
    queryKey: ['customer', id],
    queryFn: () => api<Customer>(`/api/v1/customers/${encodeURIComponent(id)}`),
  });

  const back = (
    <Button variant="ghost" size="sm" asChild className="-ml-3 mb-2">
      <Link to="/customers">
        <ArrowLeft /> Customers
      </Link>
    </Button>
  );

  if (customer.error) {
    const notFound = customer.error instanceof ApiError && customer.error.status === 404;
    return (
      <>
        {back}
        <PageHeader title={notFound ? 'Customer not found' : 'Could not load the customer'} />
        <p role="alert" className="text-sm text-muted-foreground">{errorMessage(customer.error)}</p>
      </>
    );
  }

  const c = customer.data;
  const attrs = schema.data?.attributes ?? [];
  const groups = (['id', 'display', 'label', 'departure_date', 'feature', 'ignored'] as const)
    .map((role) => ({ role, items: attrs.filter((a) => a.role === role) }))
    .filter((g) => g.items.length > 0);

  return (
    <>
      {back}
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {c?.display_name || c?.id || '…'}
            {c && <StatusBadge customer={c} withDate />}
          </span>
        }
        description={c ? `Customer ${c.id}${c.updated_at ? ` · updated ${new Date(c.updated_at).toLocaleString()}` : ''}` : ' '}
        actions={
          canWrite && c && schema.data ? (
            <Button variant="outline" onClick={() => setEditing(true)}>
              <Pencil /> Edit
            </Button>
          ) : undefined
        }
      />
      {c && <CustomerRisk customer={c} />}
      {c && (
        <div className="grid gap-4 lg:grid-cols-3">
          {groups.map((g) => (
            <Card key={g.role} className={g.role === 'feature' ? 'lg:col-span-2 lg:row-span-3' : undefined}>
              <CardHeader>
                <CardTitle>{roleLabels[g.role]}</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className={g.role === 'feature' ? 'grid gap-x-6 gap-y-4 sm:grid-cols-2' : 'grid gap-4'}>
                  {g.items.map((a) => (
                    <div key={a.name} className="min-w-0">
                      <dt className="text-xs text-muted-foreground">{a.name}</dt>
                      <dd className="truncate text-sm font-medium tabular-nums">{formatValue(c.attributes[a.name], a.type)}</dd>
                    </div>
                  ))}
                </dl>
              </CardContent>
            </Card>
          ))}
        </div>
      )}
      {c && schema.data && <CustomerDialog schema={schema.data} customer={c} open={editing} onOpenChange={setEditing} />}
    </>
  );
}
