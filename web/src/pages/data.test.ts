import { describe, expect, it } from 'vitest';
import type { Attribute } from '@/api/client';
import { roleText, setRole, setType, startingSchema } from './data';

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
  const dated: Attribute[] = [
    { name: 'Id', type: 'integer', role: 'id' },
    { name: 'LeftOn', type: 'date', role: 'departure_date' },
    { name: 'ClosedOn', type: 'date', role: 'feature' },
  ];
  it('keeps a single departure date, the old one ignored rather than a feature', () => {
    expect(setRole(dated, 2, 'departure_date').map((a) => a.role)).toEqual(['id', 'ignored', 'departure_date']);
  });
  it('drops the departure date role when the column stops being a date', () => {
    expect(setType(dated, 1, 'text')[1]).toEqual({ name: 'LeftOn', type: 'text', role: 'ignored' });
    expect(setType(dated, 2, 'text')[2]).toEqual({ name: 'ClosedOn', type: 'text', role: 'feature' });
    expect(setType(dated, 1, 'date')[1].role).toBe('departure_date');
  });
  it('spells the departure date role out', () => {
    expect(roleText('departure_date')).toBe('departure date');
    expect(roleText('label')).toBe('label');
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
