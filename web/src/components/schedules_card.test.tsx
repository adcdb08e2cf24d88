import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ToastProvider } from '@/components/ui/toast';
import { SchedulesCard, type Schedule } from './schedules_card';

const schedules: Schedule[] = [
  {
    name: 'monitoring',
    job_kind: 'monitor',
    cron: '@hourly',
    default_cron: '@hourly',
    enabled: true,
    next_run_at: '2026-11-28T09:00:00.000Z',
    updated_at: null,
    updated_by: null,
    runnable: false,
  },
  {
    name: 'retraining',
    job_kind: 'train',
    cron: '@weekly',
    default_cron: '@weekly',
    enabled: false,
    next_run_at: null,
    updated_at: '2026-11-28T08:00:00.000Z',
    updated_by: 'admin',
    runnable: true,
  },
];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <SchedulesCard />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe('SchedulesCard', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows each schedule with its cron, state and next run', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ items: schedules })));
    renderCard();
    expect(await screen.findByText('Risk monitoring')).toBeTruthy();
    expect((screen.getByLabelText('Cron (UTC)', { selector: '#schedule-cron-monitoring' }) as HTMLInputElement).value).toBe('@hourly');
    expect(screen.getByText('every hour, on the hour')).toBeTruthy();
    expect(screen.getByRole('switch', { name: 'Model retraining on' }).getAttribute('aria-checked')).toBe('false');
    const next = screen.getAllByTestId('schedule-next-run');
    expect(next[0].textContent).toMatch(/^Next run/);
    expect(next[1].textContent).toBe('Off');
    // Monitoring has no worker for its kind yet: said so, once.
    expect(screen.getAllByTestId('schedule-not-runnable')).toHaveLength(1);
    expect(screen.getByTestId('schedule-not-runnable').textContent).toMatch(/No worker runs monitor jobs/);
  });

  it('saves a new cron and shows the field the server refused', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'PUT')
        return json(
          {
            type: '/problems/validation-error',
            title: 'Validation failed',
            status: 422,
            detail: "invalid cron expression '0 25 * * *': hour: 25 is outside 0-23",
            errors: [{ field: 'cron', message: 'hour: 25 is outside 0-23' }],
          },
          422,
        );
      return json({ items: schedules });
    });
    vi.stubGlobal('fetch', fetchMock);
    renderCard();
    const input = (await screen.findByLabelText('Cron (UTC)', { selector: '#schedule-cron-monitoring' })) as HTMLInputElement;
    fireEvent.change(input, { target: { value: '0 25 * * *' } });
    fireEvent.submit(input.closest('form')!);
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'hour: 25 is outside 0-23');
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === 'PUT')!;
    expect(String(put[0])).toBe('/api/v1/schedules/monitoring');
    expect(JSON.parse(String(put[1]!.body))).toEqual({ cron: '0 25 * * *' });
  });

  it('turns a schedule on with the switch', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) =>
      init?.method === 'PUT' ? json({ ...schedules[1], enabled: true, next_run_at: '2026-11-29T00:00:00.000Z' }) : json({ items: schedules }),
    );
    vi.stubGlobal('fetch', fetchMock);
    renderCard();
    fireEvent.click(await screen.findByRole('switch', { name: 'Model retraining on' }));
    await waitFor(() => expect(fetchMock.mock.calls.some(([, init]) => init?.method === 'PUT')).toBe(true));
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === 'PUT')!;
    expect(String(put[0])).toBe('/api/v1/schedules/retraining');
    expect(JSON.parse(String(put[1]!.body))).toEqual({ enabled: true });
  });
});
