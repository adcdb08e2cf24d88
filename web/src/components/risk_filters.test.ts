import { describe, expect, it } from 'vitest';
import { buildListParams } from '@/api/query';
import { fractionToPercent, percentToFraction } from './risk_filters';

describe('risk filters', () => {
  it('turns the percent typed by the user into the fraction the API filters on', () => {
    expect(percentToFraction('60')).toBe('0.6');
    expect(percentToFraction(' 72.5% ')).toBe('0.725');
    expect(percentToFraction('150')).toBe('1');
    expect(percentToFraction('abc')).toBe('');
    expect(percentToFraction('')).toBe('');
    expect(fractionToPercent('0.725')).toBe('72.5');
  });

  it('sends minimum probability and levels as risk[gte] and risk_level[in]', () => {
    const params = buildListParams({
      filters: [
        { kind: 'range', attribute: 'risk', min: percentToFraction('60'), max: '' },
        { kind: 'in', attribute: 'risk_level', values: ['high', 'very_high'] },
      ],
      sort: { attribute: 'risk', descending: true },
    });
    expect(params.toString()).toBe('sort=-risk&risk%5Bgte%5D=0.6&risk_level%5Bin%5D=high%2Cvery_high');
  });
});
