import { describe, expect, it } from 'vitest';
import type { Customer, DatasetSchema } from '@/api/client';
import {
  calibrationSeries,
  curveSeries,
  formatPoints,
  historySeries,
  importanceBars,
  levelClasses,
  levelDistribution,
  levelLabel,
  mergeCurves,
  reasonBars,
  toPredictAttributes,
  typicalValues,
  valuesFromCustomer,
} from './risk';

const schema: DatasetSchema = {
  version: 1,
  attributes: [
    { name: 'CustomerId', type: 'text', role: 'id' },
    { name: 'Surname', type: 'text', role: 'display' },
    { name: 'Age', type: 'integer', role: 'feature' },
    { name: 'Balance', type: 'number', role: 'feature' },
    { name: 'Geography', type: 'category', role: 'feature', categories: ['France', 'Germany', 'Spain'] },
    { name: 'IsActiveMember', type: 'boolean', role: 'feature' },
    { name: 'Exited', type: 'boolean', role: 'label' },
  ],
} as DatasetSchema;

const customer = (id: string, attributes: Record<string, unknown>): Customer => ({ id, attributes, status: 'active', departed_at: null });

describe('risk levels', () => {
  it('names levels for people and marks unscored customers', () => {
    expect(levelLabel('very_high')).toBe('Very high');
    expect(levelLabel('low')).toBe('Low');
    expect(levelLabel(null)).toBe('Not scored');
  });

  it('gives every level its own colour with a dark-theme variant, and unknown levels a neutral one', () => {
    const levels = ['very_low', 'low', 'medium', 'high', 'very_high'];
    const classes = levels.map(levelClasses);
    expect(new Set(classes).size).toBe(levels.length);
    for (const c of classes) expect(c).toMatch(/dark:text-/);
    expect(levelClasses('very_high')).toMatch(/red/);
    expect(levelClasses('very_low')).toMatch(/emerald/);
    expect(levelClasses('whatever')).toMatch(/muted/);
  });

  it('orders the distribution low to high with shares, from either API shape', () => {
    const fromArray = levelDistribution([
      { level: 'high', customers: 10 },
      { level: 'very_low', customers: 30 },
      { level: 'medium', customers: 60 },
    ]);
    expect(fromArray.map((l) => l.level)).toEqual(['very_low', 'medium', 'high']);
    expect(fromArray.map((l) => l.share)).toEqual([0.3, 0.6, 0.1]);
    const fromMap = levelDistribution({ very_high: 1, low: 3 });
    expect(fromMap.map((l) => [l.level, l.customers])).toEqual([
      ['low', 3],
      ['very_high', 1],
    ]);
    expect(levelDistribution([{ level: 'low', customers: 0 }])[0].share).toBe(0);
    const filled = levelDistribution([{ level: 'low', customers: 4 }], ['very_low', 'low', 'high']);
    expect(filled.map((l) => [l.level, l.customers])).toEqual([
      ['very_low', 0],
      ['low', 4],
      ['high', 0],
    ]);
  });
});

describe('series shaping', () => {
  it('turns newest-first risk history into an oldest-first series, dropping rows without a time', () => {
    const s = historySeries([
      { probability: 0.7, risk_level: 'high', scored_at: '2026-03-02T10:00:00Z', model_version: 2 },
      { probability: 0.4, risk_level: 'low', scored_at: '2026-03-01T10:00:00Z', model_version: 1 },
      { probability: 0.5, risk_level: 'medium' },
    ]);
    expect(s.map((p) => p.probability)).toEqual([0.4, 0.7]);
    expect(s[1].model).toBe(2);
    expect(s[0].time).toBeLessThan(s[1].time);
  });

  it('sorts reasons by the size of their effect in either direction and keeps the text', () => {
    const bars = reasonBars([
      { attribute: 'Age', value: 52, contribution: 0.08, text: 'Age = 52 raises risk' },
      { attribute: 'IsActiveMember', value: true, contribution: -0.12, text: 'active member lowers risk' },
      { attribute: 'Balance', value: 0, contribution: 0.01 },
      { attribute: 'Broken' },
    ]);
    expect(bars.map((b) => b.attribute)).toEqual(['IsActiveMember', 'Age', 'Balance']);
    expect(bars[0].contribution).toBeLessThan(0);
    expect(bars[2].text).toBe('Balance = 0');
  });

  it('sorts and thins curves but keeps both ends', () => {
    const raw = Array.from({ length: 1001 }, (_, i) => ({ x: (1000 - i) / 1000, y: Math.sqrt((1000 - i) / 1000), threshold: i / 1000 }));
    const pts = curveSeries(raw, 101);
    expect(pts).toHaveLength(101);
    expect(pts[0].x).toBe(0);
    expect(pts[100].x).toBe(1);
    for (let i = 1; i < pts.length; i++) expect(pts[i].x).toBeGreaterThanOrEqual(pts[i - 1].x);
    expect(curveSeries('nonsense')).toEqual([]);
  });

  it('merges two versions onto one x axis', () => {
    const rows = mergeCurves(
      [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.8 },
      ],
      [
        { x: 0, y: 0 },
        { x: 0.25, y: 0.6 },
      ],
    );
    expect(rows).toEqual([
      { x: 0, a: 0, b: 0 },
      { x: 0.25, b: 0.6 },
      { x: 0.5, a: 0.8 },
    ]);
  });

  it('keeps calibration bins with customers and ranks importance by gain', () => {
    expect(
      calibrationSeries([
        { lower: 0.1, upper: 0.2, mean_predicted: 0.15, fraction_positive: 0.2, count: 10 },
        { lower: 0, upper: 0.1, mean_predicted: 0.05, fraction_positive: 0.04, count: 50 },
        { lower: 0.9, upper: 1, mean_predicted: 0, fraction_positive: 0, count: 0 },
      ]),
    ).toEqual([
      { predicted: 0.05, observed: 0.04, count: 50 },
      { predicted: 0.15, observed: 0.2, count: 10 },
    ]);
    const imp = importanceBars(
      [
        { attribute: 'Age', gain: 0.2, mean_abs_shap: 0.3 },
        { attribute: 'NumOfProducts', gain: 0.5, mean_abs_shap: 0.4 },
        { attribute: 'Balance', gain: 0.3 },
      ],
      2,
    );
    expect(imp.map((i) => i.attribute)).toEqual(['NumOfProducts', 'Balance']);
  });

  it('formats probability changes as signed points', () => {
    expect(formatPoints(0.032)).toBe('+3.2 pts');
    expect(formatPoints(-0.01)).toBe('−1.0 pts');
    expect(formatPoints(-0.0001)).toBe('−<0.1 pts');
    expect(formatPoints(0)).toBe('±0.0 pts');
    expect(formatPoints(null)).toBe('—');
  });
});

describe('what-if form conversion', () => {
  it('fills the form from a customer: features only, booleans as true/false, missing as blank', () => {
    const v = valuesFromCustomer(schema, customer('15634602', { Surname: 'Hargrave', Age: 42, Geography: 'France', IsActiveMember: false }));
    expect(v).toEqual({ Age: '42', Balance: '', Geography: 'France', IsActiveMember: 'false' });
  });

  it('takes typical values: median numbers (integers rounded) and the most common category', () => {
    const sample = [
      customer('1', { Age: 30, Balance: 100.123, Geography: 'Spain', IsActiveMember: true }),
      customer('2', { Age: 41, Balance: 0, Geography: 'France', IsActiveMember: true }),
      customer('3', { Age: 50, Balance: 50, Geography: 'France', IsActiveMember: false }),
      customer('4', { Age: 60, Balance: null, Geography: 'Germany', IsActiveMember: true }),
    ];
    expect(typicalValues(schema, sample)).toEqual({ Age: '46', Balance: '50', Geography: 'France', IsActiveMember: 'true' });
    expect(typicalValues(schema, []).Geography).toBe('France');
  });

  it('converts form text into typed attributes and reports values that do not parse', () => {
    const ok = toPredictAttributes(schema, { Age: ' 42 ', Balance: '1234.5', Geography: 'Germany', IsActiveMember: 'false' });
    expect(ok).toEqual({ attributes: { Age: 42, Balance: 1234.5, Geography: 'Germany', IsActiveMember: false }, errors: {} });
    const blanks = toPredictAttributes(schema, { Age: '', Geography: 'Spain' });
    expect(blanks.attributes).toEqual({ Geography: 'Spain' });
    const bad = toPredictAttributes(schema, { Age: '41.5', Balance: 'lots' });
    expect(bad.errors).toEqual({ Age: 'Enter a whole number', Balance: 'Enter a number' });
    expect(bad.attributes).toEqual({});
  });
});
