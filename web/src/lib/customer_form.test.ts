import { describe, expect, it } from 'vitest';
import type { Attribute } from '@/api/client';
import { editableAttributes, fromFormValues, toFormValues } from './customer_form';

const attributes: Attribute[] = [
  { name: 'RowNumber', type: 'integer', role: 'ignored' },
  { name: 'CustomerId', type: 'integer', role: 'id' },
  { name: 'Surname', type: 'text', role: 'display' },
  { name: 'Geography', type: 'category', role: 'feature', categories: ['France', 'Spain'] },
  { name: 'Age', type: 'integer', role: 'feature' },
  { name: 'Balance', type: 'number', role: 'feature' },
  { name: 'IsActiveMember', type: 'boolean', role: 'feature' },
  { name: 'Exited', type: 'boolean', role: 'label' },
];

describe('customer form values', () => {
  it('skips ignored attributes', () => {
    expect(editableAttributes(attributes).map((a) => a.name)).not.toContain('RowNumber');
  });

  it('turns stored attributes into editable strings and booleans', () => {
    const v = toFormValues(attributes, { CustomerId: 15, Surname: 'Bell', Age: 41, Balance: 0.5, IsActiveMember: true, Geography: null });
    expect(v).toEqual({
      CustomerId: '15',
      Surname: 'Bell',
      Geography: '',
      Age: '41',
      Balance: '0.5',
      IsActiveMember: true,
      Exited: false,
    });
  });

  it('converts inputs to JSON values by type; blanks become null', () => {
    const out = fromFormValues(attributes, {
      CustomerId: ' 15 ',
      Surname: '',
      Geography: 'Spain',
      Age: '41',
      Balance: '1234.5',
      IsActiveMember: true,
      Exited: false,
    });
    expect(out).toEqual({
      CustomerId: 15,
      Surname: null,
      Geography: 'Spain',
      Age: 41,
      Balance: 1234.5,
      IsActiveMember: true,
      Exited: false,
    });
  });

  it('passes unparseable numbers through as text so the server names the field', () => {
    const out = fromFormValues(attributes, { Age: '41.5', Balance: 'lots' });
    expect(out.Age).toBe('41.5');
    expect(out.Balance).toBe('lots');
  });

  it('sends only changed attributes when editing', () => {
    const initial = toFormValues(attributes, { CustomerId: 15, Age: 41, IsActiveMember: false });
    const out = fromFormValues(attributes, { ...initial, Age: '42', IsActiveMember: true }, initial);
    expect(out).toEqual({ Age: 42, IsActiveMember: true });
  });
});
