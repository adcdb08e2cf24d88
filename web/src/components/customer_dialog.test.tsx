import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { DatasetSchema } from '@/api/client';
import { ToastProvider } from '@/components/ui/toast';
import { CustomerDialog } from './customer_dialog';

const schema: DatasetSchema = {
  version: 2,
  attributes: [
    { name: 'CustomerId', type: 'integer', role: 'id' },
    { name: 'Geography', type: 'category', role: 'feature', categories: ['France', 'Spain'] },
    { name: 'Age', type: 'integer', role: 'feature' },
    { name: 'IsActiveMember', type: 'boolean', role: 'feature' },
    { name: 'RowNumber', type: 'integer', role: 'ignored' },
  ],
};

function renderDialog() {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <CustomerDialog schema={schema} open onOpenChange={() => {}} />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe('CustomerDialog', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('renders inputs by type from the schema, without ignored attributes', () => {
    renderDialog();
    expect(screen.getByLabelText(/CustomerId/)).toHaveProperty('tagName', 'INPUT');
    expect(screen.getByRole('combobox', { name: /Geography/ })).toBeTruthy();
    expect(screen.getByRole('switch', { name: /IsActiveMember/ })).toBeTruthy();
    expect(screen.queryByLabelText(/RowNumber/)).toBeNull();
  });

  it('sends typed values and shows the field errors of a 422 beside their inputs', async () => {
    const fetchMock = vi.fn(
      async (_input: RequestInfo | URL, _init?: RequestInit) =>
        new Response(
          JSON.stringify({
            type: '/problems/validation-error',
            title: 'Validation failed',
            status: 422,
            detail: 'the customer is not valid',
            errors: [{ field: 'Age', message: "expected a whole number, got 'x'" }],
          }),
          { status: 422, headers: { 'Content-Type': 'application/problem+json' } },
        ),
    );
    vi.stubGlobal('fetch', fetchMock);
    renderDialog();
    fireEvent.change(screen.getByLabelText(/CustomerId/), { target: { value: '42' } });
    fireEvent.change(screen.getByLabelText(/^Age/), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('switch', { name: /IsActiveMember/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Create customer' }));

    await waitFor(() => expect(screen.getByText("expected a whole number, got 'x'")).toBeTruthy());
    const age = screen.getByLabelText(/^Age/);
    expect(age.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(age.getAttribute('aria-describedby')!)?.textContent).toBe("expected a whole number, got 'x'");
    expect(screen.getByRole('alert').textContent).toContain('the customer is not valid');

    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/v1/customers');
    expect(JSON.parse(String(init!.body))).toEqual({
      attributes: { CustomerId: 42, Geography: null, Age: 'x', IsActiveMember: true },
    });
  });
});
