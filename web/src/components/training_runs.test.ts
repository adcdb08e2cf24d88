import { describe, expect, it } from 'vitest';
import { bestIndex } from './training_runs';

describe('run comparison', () => {
  it('marks the single best value by the row rule', () => {
    expect(bestIndex([0.81, 0.86, 0.84], 'high')).toBe(1);
    expect(bestIndex([0.41, 0.38, 0.45], 'low')).toBe(1);
  });
  it('marks nothing on ties, single runs, missing values only, or rows without a rule', () => {
    expect(bestIndex([0.86, 0.86], 'high')).toBe(-1);
    expect(bestIndex([0.86], 'high')).toBe(-1);
    expect(bestIndex([null, undefined], 'high')).toBe(-1);
    expect(bestIndex([0.5, 0.4], undefined)).toBe(-1);
  });
  it('skips runs without the metric', () => {
    expect(bestIndex([null, 0.7, 0.9], 'high')).toBe(2);
    expect(bestIndex([undefined, 0.7, 0.6], 'low')).toBe(2);
  });
});
