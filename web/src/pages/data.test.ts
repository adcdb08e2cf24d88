import { describe, expect, it } from 'vitest';
import type { Attribute } from '@/api/client';
import { setRole, startingSchema } from './data';

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

describe('starting schema for an import', () => {
  const stored = {
    version: 3,
    attributes: [
      { name: 'Id', type: 'integer', role: 'id' },
      { name: 'Country', type: 'category', role: 'feature', categories: ['France', 'Spain', 'Germany'] },
    ] as Attribute[],
  };
  it('keeps the stored schema when the file has the same columns', () => {
    const inferred = { attributes: [stored.attributes[1], { name: 'Id', type: 'integer', role: 'id' }] as Attribute[] };
    expect(startingSchema({ attributes: [{ ...inferred.attributes[0], type: 'text' }, inferred.attributes[1]] }, stored)).toEqual({
      schema: stored,
      stored: true,
    });
  });
  it('uses the inferred schema when columns differ or nothing is stored', () => {
    const inferred = { attributes: [{ name: 'Id', type: 'integer', role: 'id' }] as Attribute[] };
    expect(startingSchema(inferred, stored)).toEqual({ schema: inferred, stored: false });
    expect(startingSchema(inferred, null)).toEqual({ schema: inferred, stored: false });
  });
});
