// Add/edit dialog generated from the dataset schema: inputs by attribute
// type, selects for categories, switches for booleans; the API's field
// errors are shown beside the inputs they name.
import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type Attribute, type Customer, type DatasetSchema } from '@/api/client';
import { editableAttributes, fromFormValues, toFormValues, type FormValues } from '@/lib/customer_form';
import { roleLabels } from '@/lib/schema';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Switch } from '@/components/ui/switch';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { useToast } from '@/components/ui/toast';

const kNone = '__none__';

function Field({
  attribute,
  value,
  error,
  disabled,
  onChange,
}: {
  attribute: Attribute;
  value: string | boolean;
  error?: string;
  disabled?: boolean;
  onChange: (v: string | boolean) => void;
}) {
  const id = `field-${attribute.name}`;
  const errorId = `${id}-error`;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? errorId : undefined, disabled };
  let control: React.ReactNode;
  if (attribute.type === 'boolean') {
    control = (
      <div className="flex h-9 items-center">
        <Switch {...common} checked={value === true} onCheckedChange={(c) => onChange(c)} />
      </div>
    );
  } else if (attribute.type === 'category') {
    control = (
      <Select value={value === '' ? kNone : String(value)} onValueChange={(v) => onChange(v === kNone ? '' : v)} disabled={disabled}>
        <SelectTrigger {...common}>
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={kNone}>(none)</SelectItem>
          {(attribute.categories ?? []).map((c) => (
            <SelectItem key={c} value={c}>
              {c}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    );
  } else {
    const numeric = attribute.type === 'number' || attribute.type === 'integer';
    control = (
      <Input
        {...common}
        type={attribute.type === 'date' ? 'date' : 'text'}
        inputMode={numeric ? (attribute.type === 'integer' ? 'numeric' : 'decimal') : undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id} className="flex items-baseline justify-between gap-2">
        <span>{attribute.name}</span>
        <span className="text-xs font-normal text-muted-foreground">{attribute.type}</span>
      </Label>
      {control}
      {error && (
        <p id={errorId} className="text-xs text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}

export function CustomerDialog({
  schema,
  customer,
  open,
  onOpenChange,
  onSaved,
}: {
  schema: DatasetSchema;
  /** The customer to edit; absent to create one. */
  customer?: Customer;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved?: (c: Customer) => void;
}) {
  const attributes = editableAttributes(schema.attributes);
  const initial = React.useMemo(() => toFormValues(schema.attributes, customer?.attributes), [schema, customer]);
  const [values, setValues] = React.useState<FormValues>(initial);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const queryClient = useQueryClient();
  const toast = useToast();

  React.useEffect(() => {
    if (open) {
      setValues(initial);
      setErrors({});
      setFormError(null);
    }
  }, [open, initial]);

  const save = useMutation({
    mutationFn: () =>
      customer
        ? api<Customer>(`/api/v1/customers/${encodeURIComponent(customer.id)}`, {
            method: 'PATCH',
            json: { attributes: fromFormValues(schema.attributes, values, initial) },
          })
        : api<Customer>('/api/v1/customers', { method: 'POST', json: { attributes: fromFormValues(schema.attributes, values) } }),
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: ['customers'] });
      queryClient.invalidateQueries({ queryKey: ['customer', saved.id] });
      queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      // A label turned to churned (or back) moves the customer between the
      // active and departed populations the risk views count.
      queryClient.invalidateQueries({ queryKey: ['risk'] });
      toast(customer ? `Saved customer ${saved.id}` : `Created customer ${saved.id}`);
      onOpenChange(false);
      onSaved?.(saved);
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        setErrors(e.byField());
        const named = new Set(attributes.map((a) => a.name));
        const other = e.fieldErrors.filter((f) => !named.has(f.field));
        setFormError([e.problem.detail || e.problem.title, ...other.map((f) => `${f.field}: ${f.message}`)].join(' — '));
      } else setFormError(String(e));
    },
  });

  const groups = (['id', 'display', 'feature', 'label', 'departure_date'] as const)
    .map((role) => ({ role, items: attributes.filter((a) => a.role === role) }))
    .filter((g) => g.items.length > 0);

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{customer ? `Edit customer ${customer.id}` : 'Add customer'}</DialogTitle>
          <DialogDescription>Fields follow the dataset schema (version {schema.version}).</DialogDescription>
        </DialogHeader>
        <form
          id="customer-form"
          className="-mx-6 flex flex-col gap-5 overflow-y-auto px-6"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
          noValidate
        >
          {formError && (
            <p role="alert" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
              {formError}
            </p>
          )}
          {groups.map((g) => (
            <fieldset key={g.role} className="flex flex-col gap-3">
              <legend className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted-foreground">{roleLabels[g.role]}</legend>
              <div className="grid gap-4 sm:grid-cols-2">
                {g.items.map((a) => (
                  <Field
                    key={a.name}
                    attribute={a}
                    value={values[a.name] ?? ''}
                    error={errors[a.name]}
                    disabled={Boolean(customer) && a.role === 'id'}
                    onChange={(v) => setValues((s) => ({ ...s, [a.name]: v }))}
                  />
                ))}
              </div>
            </fieldset>
          ))}
        </form>
        <DialogFooter>
          <Button variant="outline" type="button" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" form="customer-form" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : customer ? 'Save changes' : 'Create customer'}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
