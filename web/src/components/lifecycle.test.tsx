import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { RiskOutcomes } from '@/api/ml';
import { OutcomesCard, StatusBadge } from './lifecycle';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

const base: RiskOutcomes = {
  since: '2026-09-07T20:00:00Z',
  until: '2026-12-06T20:00:00Z',
  model_version: null,
  high_risk_threshold: 0.5,
  departed: 120,
  active_compared: 9000,
  roc_auc: 0.81,
  flagged: 500,
  flagged_departed: 84,
  precision: 0.168,
  recall: 0.7,
  median_lead_days: 23,
  weekly: [
    { week_start: '2026-11-23', departed: 6, flagged_departed: 3, recall: 0.5 },
    { week_start: '2026-11-30', departed: 10, flagged_departed: 7, recall: 0.7 },
  ],
};

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <OutcomesCard />
    </QueryClientProvider>,
  );
}

describe('OutcomesCard', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('sums up the last 90 days with the figures, nulls as dashes', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL) => json({ ...base, roc_auc: null }));
    vi.stubGlobal('fetch', fetchMock);
    renderCard();
    expect((await screen.findByTestId('outcome-sentence')).textContent).toBe(
      'Of the 120 customers who left in the last 90 days, 84 were flagged, a median 23 days ahead.',
    );
    expect(screen.getByTestId('outcome-precision').textContent).toBe('16.8%');
    expect(screen.getByTestId('outcome-recall').textContent).toBe('70%');
    expect(screen.getByTestId('outcome-roc-auc').textContent).toBe('—');
    expect(screen.getByTestId('outcome-median-lead-time').textContent).toBe('23 days');
    expect(screen.getByTestId('outcomes-chart').getAttribute('data-weeks')).toBe('2');
    const url = new URL(String(fetchMock.mock.calls[0][0]), 'http://x');
    expect(url.pathname).toBe('/api/v1/risk/outcomes');
    const days = (Date.now() - Date.parse(url.searchParams.get('since')!)) / 86_400_000;
    expect(Math.round(days)).toBe(90);
  });

  it('asks again for the window chosen', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL) => json(base));
    vi.stubGlobal('fetch', fetchMock);
    renderCard();
    await screen.findByTestId('outcome-sentence');
    fireEvent.click(screen.getByRole('button', { name: '30 days' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    const since = new URL(String(fetchMock.mock.calls[1][0]), 'http://x').searchParams.get('since')!;
    expect(Math.round((Date.now() - Date.parse(since)) / 86_400_000)).toBe(30);
    expect(screen.getByRole('button', { name: '30 days' }).getAttribute('aria-pressed')).toBe('true');
    expect((await screen.findByTestId('outcome-sentence')).textContent).toMatch(/in the last 30 days/);
  });

  it('shows the empty state when nobody left in the window', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ ...base, departed: 0, flagged_departed: 0, precision: null, recall: null, roc_auc: null, median_lead_days: null, weekly: [] })));
    renderCard();
    expect(await screen.findByText('No departures recorded in this window yet')).toBeTruthy();
    expect(screen.queryByTestId('outcomes-chart')).toBeNull();
    expect(screen.queryByTestId('outcome-sentence')).toBeNull();
  });
});

describe('StatusBadge', () => {
  afterEach(cleanup);
  it('says Departed with the date where asked, Active otherwise', () => {
    render(<StatusBadge customer={{ status: 'departed', departed_at: '2026-12-01T00:00:00Z' }} withDate />);
    expect(screen.getByTestId('status-badge').textContent).toBe('Departed on Dec 1, 2026');
    cleanup();
    render(<StatusBadge customer={{ status: 'departed', departed_at: '2026-12-01T00:00:00Z' }} />);
    expect(screen.getByTestId('status-badge').textContent).toBe('Departed');
    cleanup();
    render(<StatusBadge customer={{ status: 'active', departed_at: null }} withDate />);
    expect(screen.getByTestId('status-badge').textContent).toBe('Active');
  });
});
