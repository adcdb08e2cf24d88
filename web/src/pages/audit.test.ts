import { describe, expect, it } from 'vitest';
import { auditQuery } from './audit';

describe('auditQuery', () => {
  it('sends only the filters that are set, trimmed', () => {
    expect(auditQuery({ actor: ' admin ', action: '', since: '', until: '' }, 0)).toBe('limit=50&offset=0&actor=admin');
  });

  it('turns the inclusive end date of the form into the exclusive bound of the API', () => {
    const q = new URLSearchParams(auditQuery({ actor: '', action: 'users.', since: '2026-11-01', until: '2026-11-30' }, 100));
    expect(q.get('action')).toBe('users.');
    expect(q.get('since')).toBe('2026-11-01');
    expect(q.get('until')).toBe('2026-12-01');
    expect(q.get('offset')).toBe('100');
  });
});
