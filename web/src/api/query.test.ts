import { describe, expect, it } from 'vitest';
import { buildListParams, isActive } from './query';

describe('buildListParams', () => {
  it('encodes paging, sort, search and every filter kind', () => {
    const p = buildListParams({
      limit: 25,
      offset: 50,
      sort: { attribute: 'Age', descending: true },
      q: '  Edw ',
      filters: [
        { kind: 'equals', attribute: 'Surname', value: 'Smith' },
        { kind: 'range', attribute: 'Age', min: '40', max: ' 60 ' },
        { kind: 'in', attribute: 'Geography', values: ['France', 'Spain'] },
      ],
    });
    expect(p.toString()).toBe(
      'limit=25&offset=50&sort=-Age&q=Edw&Surname=Smith&Age%5Bgte%5D=40&Age%5Blte%5D=60&Geography%5Bin%5D=France%2CSpain',
    );
    expect(p.get('Age[gte]')).toBe('40');
    expect(p.get('Geography[in]')).toBe('France,Spain');
  });

  it('leaves out empty parts', () => {
    const p = buildListParams({
      offset: 0,
      sort: { attribute: 'Balance', descending: false },
      q: '   ',
      filters: [
        { kind: 'equals', attribute: 'Surname', value: '' },
        { kind: 'range', attribute: 'Age', min: '', max: '30' },
        { kind: 'in', attribute: 'Geography', values: [] },
      ],
    });
    expect(p.toString()).toBe('sort=Balance&Age%5Blte%5D=30');
  });

  it('knows which filters narrow the list', () => {
    expect(isActive({ kind: 'range', attribute: 'Age', min: ' ', max: '' })).toBe(false);
    expect(isActive({ kind: 'range', attribute: 'Age', min: '1' })).toBe(true);
    expect(isActive({ kind: 'in', attribute: 'G', values: [] })).toBe(false);
    expect(isActive({ kind: 'equals', attribute: 'S', value: 'x' })).toBe(true);
  });
});
