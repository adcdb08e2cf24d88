import { describe, expect, it } from 'vitest';
import {
  departedText,
  formatAuc,
  formatDepartureDate,
  formatLeadDays,
  formatShare,
  isDeparted,
  outcomeSentence,
  outcomeWeeks,
  outcomesParams,
  parseStatusFilter,
  populationText,
  rescoreBlockedReason,
  statusLabel,
} from './lifecycle';

describe('customer status', () => {
  it('names the status and reads the list filter from the address', () => {
    expect(statusLabel('departed')).toBe('Departed');
    expect(statusLabel('active')).toBe('Active');
    expect(isDeparted({ status: 'departed' })).toBe(true);
    expect(isDeparted({ status: 'active' })).toBe(false);
    expect(isDeparted(undefined)).toBe(false);
    expect(parseStatusFilter('departed')).toBe('departed');
    expect(parseStatusFilter('active')).toBe('active');
    expect(parseStatusFilter(null)).toBe('all');
    expect(parseStatusFilter('churned')).toBe('all');
  });

  it('shows a departure date in UTC, so a date-only value keeps its day', () => {
    expect(formatDepartureDate('2026-12-03T00:00:00Z')).toBe('Dec 3, 2026');
    expect(formatDepartureDate('2026-12-03T23:59:00Z')).toBe('Dec 3, 2026');
    expect(formatDepartureDate(null)).toBeNull();
    expect(formatDepartureDate('not a date')).toBeNull();
    expect(departedText('2026-11-30T10:00:00Z')).toBe('Departed on Nov 30, 2026');
    expect(departedText(null)).toBe('Departed');
  });

  it('says why a departed customer is not rescored, and nothing for an active one', () => {
    expect(rescoreBlockedReason({ status: 'departed', departed_at: '2026-12-01T08:00:00Z' })).toBe(
      'Not rescored: a departed customer keeps the last score made before the departure.',
    );
    expect(rescoreBlockedReason({ status: 'active', departed_at: null })).toBeNull();
  });

  it('counts the summary population, or says nothing when the server does not', () => {
    expect(populationText({ active_customers: 7963, departed_customers: 2037 })).toBe('Active customers: 7,963 · departed: 2,037');
    expect(populationText({ active_customers: 0, departed_customers: 0 })).toBe('Active customers: 0 · departed: 0');
    expect(populationText(undefined)).toBeNull();
    expect(populationText({} as never)).toBeNull();
  });
});

describe('outcomes', () => {
  const o = (departed: number, flagged_departed: number, median_lead_days: number | null) => ({ departed, flagged_departed, median_lead_days });

  it('sums the window up in a sentence', () => {
    expect(outcomeSentence(o(120, 84, 23), 90)).toBe('Of the 120 customers who left in the last 90 days, 84 were flagged, a median 23 days ahead.');
    expect(outcomeSentence(o(2500, 1200, 4.25), 365)).toBe('Of the 2,500 customers who left in the last 365 days, 1,200 were flagged, a median 4.3 days ahead.');
    expect(outcomeSentence(o(5, 5, 1), 30)).toBe('Of the 5 customers who left in the last 30 days, all 5 were flagged, a median 1 day ahead.');
    expect(outcomeSentence(o(5, 1, 12), 30)).toBe('Of the 5 customers who left in the last 30 days, 1 was flagged, 12 days ahead.');
    expect(outcomeSentence(o(7, 3, 0.4), 30)).toBe('Of the 7 customers who left in the last 30 days, 3 were flagged, a median of less than a day ahead.');
  });

  it('handles nobody flagged, one departure and a missing lead time', () => {
    expect(outcomeSentence(o(12, 0, null), 90)).toBe('Of the 12 customers who left in the last 90 days, none was flagged beforehand.');
    expect(outcomeSentence(o(1, 1, 6), 30)).toBe('The one customer who left in the last 30 days was flagged, 6 days ahead.');
    expect(outcomeSentence(o(1, 0, null), 30)).toBe('The one customer who left in the last 30 days was not flagged beforehand.');
    expect(outcomeSentence(o(10, 4, null), 90)).toBe('Of the 10 customers who left in the last 90 days, 4 were flagged.');
  });

  it('has an empty-state sentence when nobody left', () => {
    expect(outcomeSentence(o(0, 0, null), 90)).toBe('No departures recorded in this window yet.');
  });

  it('formats the figures, with a dash for null', () => {
    expect(formatShare(0.168)).toBe('16.8%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(null)).toBe('—');
    expect(formatShare(Number.NaN)).toBe('—');
    expect(formatAuc(0.81)).toBe('0.810');
    expect(formatAuc(null)).toBe('—');
    expect(formatLeadDays(23)).toBe('23 days');
    expect(formatLeadDays(1)).toBe('1 day');
    expect(formatLeadDays(1.04)).toBe('1 day');
    expect(formatLeadDays(2.55)).toBe('2.6 days');
    expect(formatLeadDays(0)).toBe('less than a day');
    expect(formatLeadDays(null)).toBe('—');
    expect(formatLeadDays(undefined)).toBe('—');
  });

  it('asks for the last N days before now, to the second', () => {
    const now = new Date('2026-12-06T20:00:00.750Z');
    expect(outcomesParams(90, now).toString()).toBe('since=2026-09-07T20%3A00%3A00Z');
    expect(outcomesParams(30, now, 3).get('model_version')).toBe('3');
    expect(outcomesParams(30, now, null).has('model_version')).toBe(false);
    expect(outcomesParams(365, now).get('since')).toBe('2025-12-06T20:00:00Z');
  });

  it('orders the weekly series oldest first with short labels', () => {
    const weeks = outcomeWeeks([
      { week_start: '2026-11-30', departed: 10, flagged_departed: 7, recall: 0.7 },
      { week_start: '2026-11-23', departed: 4, flagged_departed: 0, recall: 0 },
      { week_start: 'garbage', departed: 1, flagged_departed: 1, recall: 1 },
      { week_start: '2026-11-16', departed: 0, flagged_departed: 0, recall: null },
    ]);
    expect(weeks).toEqual([
      { week: '2026-11-16', label: 'Nov 16', departed: 0, flagged: 0, recall: null },
      { week: '2026-11-23', label: 'Nov 23', departed: 4, flagged: 0, recall: 0 },
      { week: '2026-11-30', label: 'Nov 30', departed: 10, flagged: 7, recall: 0.7 },
    ]);
    expect(outcomeWeeks(undefined)).toEqual([]);
  });
});
