import { describe, expect, it } from 'vitest';
import { buildListParams, formatSort, isActive, parseFilters, parseSort, type Filter } from './query';

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

  it('narrows to active or departed customers by status', () => {
    expect(buildListParams({ limit: 25, status: 'departed', q: 'Bell' }).toString()).toBe('limit=25&q=Bell&status=departed');
    expect(buildListParams({ status: 'active' }).get('status')).toBe('active');
    expect(buildListParams({ limit: 25 }).has('status')).toBe(false);
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

describe('list state in the address', () => {
  it('round-trips sort', () => {
    expect(parseSort('-Age')).toEqual({ attribute: 'Age', descending: true });
    expect(parseSort('Age')).toEqual({ attribute: 'Age', descending: false });
    expect(parseSort(null)).toBeNull();
    expect(formatSort({ attribute: 'Balance', descending: true })).toBe('-Balance');
    expect(formatSort(null)).toBeNull();
  });

  it('round-trips filters and drops malformed ones', () => {
    const filters: Filter[] = [
      { kind: 'range', attribute: 'Age', min: '40', max: '' },
      { kind: 'in', attribute: 'Geography', values: ['Spain'] },
      { kind: 'equals', attribute: 'Surname', value: 'Bell' },
    ];
    expect(parseFilters(JSON.stringify(filters))).toEqual(filters);
    expect(parseFilters('{oops')).toEqual([]);
    expect(parseFilters('{"kind":"in"}')).toEqual([]);
    expect(parseFilters('[{"kind":"in","attribute":"G","values":["a",3]},{"kind":"nope","attribute":"X"},{"attribute":5}]')).toEqual([
      { kind: 'in', attribute: 'G', values: ['a'] },
    ]);
  });
});
