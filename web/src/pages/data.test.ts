import { describe, expect, it } from 'vitest';
import type { Attribute } from '@/api/client';
import { setRole } from './data';

describe('schema editor roles', () => {
  const attrs: Attribute[] = [
    { name: 'Id', type: 'integer', role: 'id' },
    { name: 'Exited', type: 'boolean', role: 'label' },
    { name: 'Churned', type: 'boolean', role: 'feature' },
  ];
  it('keeps a single label', () => {
    const out = setRole(attrs, 2, 'label');
    expect(out.map((a) => a.role)).toEqual(['id', 'feature', 'label']);
  });
  it('keeps a single id', () => {
    expect(setRole(attrs, 2, 'id').map((a) => a.role)).toEqual(['feature', 'label', 'id']);
  });
  it('leaves others alone for feature roles', () => {
    expect(setRole(attrs, 1, 'ignored').map((a) => a.role)).toEqual(['id', 'ignored', 'feature']);
  });
});
