import { describe, expect, it } from 'vitest';
import { jobOutcome } from './jobs';

describe('job outcome', () => {
  it('summarises imports and exports from their result', () => {
    expect(jobOutcome('import', { created: 1200, updated: 3, skipped: 0, schema_version: 1 })).toBe('1,200 created, 3 updated, 0 skipped');
    expect(jobOutcome('export', { customers: 10000, format: 'csv', bytes: 12 })).toBe('10,000 customers · CSV');
  });
  it('summarises trainings and scorings', () => {
    expect(jobOutcome('train', { model: { version: 3, stage: 'production' }, promoted: true, reason: 'x' })).toBe('model v3 · in production');
    expect(jobOutcome('train', { model: { version: 4, stage: 'candidate' }, promoted: false })).toBe('model v4 · kept as candidate');
    expect(jobOutcome('score', { scored: 10000, by_level: {}, model_version: 2 })).toBe('10,000 customers scored with v2');
    expect(jobOutcome('train', { promoted: true })).toBeNull();
  });
  it('says nothing for unknown kinds or missing results', () => {
    expect(jobOutcome('import', null)).toBeNull();
    expect(jobOutcome('retrain', { ok: true })).toBeNull();
    expect(jobOutcome('import', {})).toBeNull();
  });
});
