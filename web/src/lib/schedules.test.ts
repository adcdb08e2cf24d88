import { describe, expect, it } from 'vitest';
import { describeCron, timeUntil } from './schedules';

describe('describeCron', () => {
  it('describes the macros', () => {
    expect(describeCron('@hourly')).toBe('every hour, on the hour');
    expect(describeCron('@weekly')).toBe('every Sunday at 00:00 UTC');
    expect(describeCron(' @DAILY ')).toBe('every day at 00:00 UTC');
  });
  it('describes common five-field shapes in UTC', () => {
    expect(describeCron('30 2 * * 1')).toBe('every Monday at 02:30 UTC');
    expect(describeCron('0 3 * * *')).toBe('every day at 03:00 UTC');
    expect(describeCron('15 * * * *')).toBe('every hour at minute 15');
    expect(describeCron('*/10 * * * *')).toBe('every 10 minutes');
    expect(describeCron('0 6 1 * *')).toBe('on day 1 of every month at 06:00 UTC');
    expect(describeCron('0 9 * * 7')).toBe('every Sunday at 09:00 UTC');
  });
  it('leaves other shapes and nonsense undescribed', () => {
    expect(describeCron('0 9 * * mon-fri')).toBeNull();
    expect(describeCron('0 0 1 jan *')).toBeNull();
    expect(describeCron('@often')).toBeNull();
    expect(describeCron('0 * *')).toBeNull();
  });
});

describe('timeUntil', () => {
  const now = Date.parse('2026-11-28T08:15:00Z');
  it('rounds to minutes, hours or days', () => {
    expect(timeUntil('2026-11-28T08:15:20Z', now)).toBe('in under a minute');
    expect(timeUntil('2026-11-28T09:00:00Z', now)).toBe('in 45 min');
    expect(timeUntil('2026-11-29T00:00:00Z', now)).toBe('in 16 h');
    expect(timeUntil('2026-12-05T00:00:00Z', now)).toBe('in 7 days');
  });
});
