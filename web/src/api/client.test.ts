import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, parseProblem, setAccessToken, setUnauthorizedHandler } from './client';

function jsonResponse(status: number, body: unknown, type = 'application/problem+json') {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

describe('parseProblem', () => {
  it('reads a problem+json document with field errors', async () => {
    const e = await parseProblem(
      jsonResponse(422, {
        type: '/problems/validation-error',
        title: 'Validation failed',
        status: 422,
        detail: 'the customer is not valid',
        errors: [
          { field: 'Age', message: "expected a whole number, got 'x'", line: null, column: null },
          { field: 'Age', message: 'second message for Age' },
          { field: 'Geography', message: "unknown category 'Mars'" },
        ],
      }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.message).toBe('the customer is not valid');
    expect(e.fieldErrors).toHaveLength(3);
    expect(e.byField()).toEqual({ Age: "expected a whole number, got 'x'", Geography: "unknown category 'Mars'" });
  });

  it('falls back to the HTTP status when the body is not JSON', async () => {
    const e = await parseProblem(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }));
    expect(e.status).toBe(502);
    expect(e.problem.title).toBe('Bad Gateway');
    expect(e.fieldErrors).toEqual([]);
  });

  it('survives a JSON content type with a broken body', async () => {
    const e = await parseProblem(new Response('{not json', { status: 500, headers: { 'Content-Type': 'application/json' } }));
    expect(e.status).toBe(500);
    expect(e.problem.title).toBe('HTTP 500');
  });

  it('ignores a non-array errors member', async () => {
    const e = await parseProblem(jsonResponse(409, { title: 'Conflict', status: 409, errors: 'nope' }));
    expect(e.status).toBe(409);
    expect(e.fieldErrors).toEqual([]);
    expect(e.message).toBe('Conflict');
  });
});

describe('api', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
    setUnauthorizedHandler(null);
  });

  it('sends the bearer token and JSON body', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => jsonResponse(200, { ok: 1 }, 'application/json'));
    vi.stubGlobal('fetch', fetchMock);
    setAccessToken('tok-1');
    await expect(api('/api/v1/customers', { method: 'POST', json: { a: 1 } })).resolves.toEqual({ ok: 1 });
    const init = fetchMock.mock.calls[0][1]!;
    const headers = init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok-1');
    expect(headers['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"a":1}');
  });

  it('signs out on 401 only when a token was in use', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { title: 'Unauthorized', status: 401, type: 'x' })));
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    await expect(api('/api/v1/auth/login', { method: 'POST', json: {} })).rejects.toBeInstanceOf(ApiError);
    expect(handler).not.toHaveBeenCalled();
    setAccessToken('expired');
    await expect(api('/api/v1/customers')).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
